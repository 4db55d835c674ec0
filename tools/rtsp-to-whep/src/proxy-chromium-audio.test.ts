import { chromiumAvailable, launchChromium } from "@purertc/interop/chromium";
import { requireGstreamerRtsp, startGstreamerRtsp } from "@purertc/interop/gstreamer-rtsp";
import { SocketRegistry } from "@purertc/socket";
import { describe, expect, it } from "vitest";
import { RtspToWhepProxy } from "./proxy.js";

// Under CI=true a missing Chromium or GStreamer throws here: never a silent skip.
const chromium = chromiumAvailable();
const gstreamer = requireGstreamerRtsp();

interface Inbound {
  packetsReceived: number;
  codec: string;
  totalSamplesReceived: number;
}

describe.skipIf(!chromium || !gstreamer.available)(
  "the player page in headless Chromium: the camera's G.711 audio",
  () => {
    it("a camera sending PCMA: Chromium's inbound-rtp audio is audio/PCMA with packetsReceived and samples rising", async () => {
      await using camera = await startGstreamerRtsp({ audio: "pcma" });
      await using proxy = await RtspToWhepProxy.start({ rtspUrl: camera.url });
      await using browser = await launchChromium({ loopback: true });
      const page = browser.page;
      await page.goto(proxy.pageUrl);
      const result = await page.waitForFunction(
        () => (window as unknown as { whepResult?: unknown }).whepResult,
        null,
        {
          timeout: 20_000,
        },
      );
      expect(await result.jsonValue()).toMatchObject({ status: 201 });
      const inbound = () =>
        page.evaluate(async (): Promise<Inbound | undefined> => {
          const pc = (window as unknown as { pc: RTCPeerConnection }).pc;
          const stats = await pc.getStats();
          let found: Inbound | undefined;
          stats.forEach((s) => {
            if (s.type === "inbound-rtp" && s.kind === "audio") {
              found = {
                packetsReceived: s.packetsReceived ?? 0,
                codec: stats.get(s.codecId)?.mimeType ?? "",
                totalSamplesReceived: s.totalSamplesReceived ?? 0,
              };
            }
          });
          return found;
        });
      // Polled from here: waitForFunction does not await an async predicate (a Promise is truthy).
      const deadline = performance.now() + 30_000;
      while (((await inbound())?.packetsReceived ?? 0) < 25) {
        if (performance.now() > deadline)
          throw new Error("Chromium received fewer than 25 audio packets in 30 s");
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const first = await inbound();
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const second = await inbound();
      expect(second).toMatchObject({ codec: "audio/PCMA" });
      // 50 packets a second; a loaded machine's loopback may lose a few.
      expect(second!.packetsReceived).toBeGreaterThan(first!.packetsReceived + 50);
      expect(second!.totalSamplesReceived).toBeGreaterThan(first!.totalSamplesReceived);
      await page.close();
      await proxy.close();
      expect(SocketRegistry.default.size).toBe(0);
    }, 90_000);
  },
);
