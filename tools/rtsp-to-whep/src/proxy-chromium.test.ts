import { chromiumAvailable, launchChromium } from "@purertc/interop/chromium";
import { requireGstreamerRtsp, startGstreamerRtsp } from "@purertc/interop/gstreamer-rtsp";
import { SocketRegistry } from "@purertc/socket";
import { describe, expect, it } from "vitest";
import { RtspToWhepProxy } from "./proxy.js";

// Under CI=true a missing Chromium or GStreamer throws here: never a silent skip.
const chromium = chromiumAvailable();
const gstreamer = requireGstreamerRtsp();

interface Decoded {
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  codec: string;
}

describe.skipIf(!chromium || !gstreamer.available)(
  "the player page in headless Chromium, fed by GStreamer's camera",
  () => {
    it("four Chromium tabs play the stream (framesDecoded rising, 640x360, H.264); closing them removes the viewers", async () => {
      await using camera = await startGstreamerRtsp();
      await using proxy = await RtspToWhepProxy.start({ rtspUrl: camera.url });
      await using browser = await launchChromium({ loopback: true });
      const pages = [browser.page];
      for (let i = 1; i < 4; i++) pages.push(await browser.context.newPage());
      await Promise.all(pages.map((page) => page.goto(proxy.pageUrl)));
      for (const page of pages) {
        const result = await page.waitForFunction(
          () => (window as unknown as { whepResult?: unknown }).whepResult,
          null,
          {
            timeout: 20_000,
          },
        );
        expect(await result.jsonValue()).toMatchObject({ status: 201 });
      }
      const decoded = (page: (typeof pages)[number]) =>
        page.evaluate(async (): Promise<Decoded | undefined> => {
          const pc = (window as unknown as { pc: RTCPeerConnection }).pc;
          const stats = await pc.getStats();
          let found: Decoded | undefined;
          stats.forEach((s) => {
            if (s.type === "inbound-rtp" && s.kind === "video") {
              const codec = stats.get(s.codecId)?.mimeType ?? "";
              found = {
                framesDecoded: s.framesDecoded ?? 0,
                frameWidth: s.frameWidth,
                frameHeight: s.frameHeight,
                codec,
              };
            }
          });
          return found;
        });
      // Each tab decodes frames, and keeps decoding. Polled from here: waitForFunction does not await an
      // async predicate (a Promise is truthy), so it would end at once.
      for (const page of pages) {
        const deadline = performance.now() + 30_000;
        while (((await decoded(page))?.framesDecoded ?? 0) < 30) {
          if (performance.now() > deadline) throw new Error("a tab decoded fewer than 30 frames in 30 s");
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
      const first = await Promise.all(pages.map(decoded));
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const second = await Promise.all(pages.map(decoded));
      for (const [i, stats] of second.entries()) {
        expect(stats).toMatchObject({ frameWidth: 640, frameHeight: 360, codec: "video/H264" });
        expect(stats!.framesDecoded).toBeGreaterThan(first[i]!.framesDecoded + 20);
      }
      expect(proxy.server.sessionCount).toBe(4);
      expect(await pages[0]!.textContent("#status")).toBe("connection: connected");
      // Closing a tab: the page's pagehide DELETE, or Chromium's close_notify, ends its viewer.
      await Promise.all(pages.map((page) => page.close()));
      const deadline = performance.now() + 10_000;
      while (proxy.server.sessionCount > 0 && performance.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(proxy.server.sessionCount).toBe(0);
      await proxy.close();
      expect(SocketRegistry.default.size).toBe(0);
    }, 90_000);
  },
);
