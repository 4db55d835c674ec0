import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { chromiumAvailable, launchChromium } from "@purertc/interop/chromium";
import { SocketRegistry } from "@purertc/socket";
import { describe, expect, it } from "vitest";
import { PeerConnectionWhepFactory } from "./peer-connection-factory.js";
import { PLAYER_PAGE } from "./player.js";
import { WhepServer } from "./server.js";

// Under CI=true a missing Chromium throws here: never a silent skip.
const chromium = chromiumAvailable();

describe.skipIf(!chromium)("WHEP endpoint with headless Chromium on another origin (CORS)", () => {
  it("the player page's real video offer reaches the endpoint cross-origin; a data-channel viewer connects and DELETEs", async () => {
    await using server = await WhepServer.listen({
      factory: new PeerConnectionWhepFactory(),
      page: PLAYER_PAGE,
    });
    // The page comes from another origin (another port), as a site embedding the player would.
    const pages = createServer((_, response) => {
      response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      response.end(PLAYER_PAGE);
    });
    await new Promise<void>((resolve) => pages.listen(0, "127.0.0.1", resolve));
    const origin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
    try {
      await using browser = await launchChromium({ loopback: true });
      const page = browser.page;
      await page.goto(`${origin}/?whep=${encodeURIComponent(server.url)}`);
      const result = await page.waitForFunction(
        () => (window as unknown as { whepResult?: unknown }).whepResult,
        null,
        {
          timeout: 15_000,
        },
      );
      const played = (await result.jsonValue()) as { status?: number; body?: string; error?: string };
      // Chromium's offer is well-formed (not 400) and crossed origins (a CORS failure is a TypeError in
      // the page); this endpoint has no video source (the proxy's has: proxy-chromium.test.ts), so it
      // is a 406 with the reason shown on the page.
      expect(played.error).toBeUndefined();
      expect(played.status).toBe(406);
      expect(played.body).toContain("no video source");
      expect(await page.textContent("#status")).toMatch(/^endpoint answered 406: /);

      // A data-channel offer from a page on the other origin.
      const viewer = await page.evaluate(async (endpoint) => {
        const pc = new RTCPeerConnection();
        pc.createDataChannel("whep");
        await pc.setLocalDescription(await pc.createOffer());
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 5000);
          const check = () => {
            if (pc.iceGatheringState !== "complete") return;
            clearTimeout(timer);
            resolve();
          };
          pc.onicegatheringstatechange = check;
          check();
        });
        const post = await fetch(endpoint, {
          method: "POST",
          headers: { "Content-Type": "application/sdp" },
          body: pc.localDescription!.sdp,
        });
        const location = post.headers.get("Location");
        await pc.setRemoteDescription({ type: "answer", sdp: await post.text() });
        const state = await new Promise<string>((resolve) => {
          const timer = setTimeout(() => resolve(pc.connectionState), 10_000);
          pc.onconnectionstatechange = () => {
            if (pc.connectionState === "connected" || pc.connectionState === "failed") {
              clearTimeout(timer);
              resolve(pc.connectionState);
            }
          };
        });
        const patch = await fetch(new URL(location!, endpoint), {
          method: "PATCH",
          headers: {
            "Content-Type": "application/trickle-ice-sdpfrag",
            "If-Match": post.headers.get("ETag")!,
          },
          body: "a=end-of-candidates\r\n",
        });
        const del = await fetch(new URL(location!, endpoint), { method: "DELETE" });
        pc.close();
        return { post: post.status, location, state, patch: patch.status, del: del.status };
      }, server.url);
      expect(viewer).toMatchObject({ post: 201, state: "connected", patch: 204, del: 200 });
      expect(viewer.location).toMatch(/^\/whep\/[0-9a-f-]{36}$/);
      expect(server.sessionCount).toBe(0);

      // The page is also served by the endpoint itself, at "/".
      const own = await fetch(new URL("/", server.url));
      expect(own.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(await own.text()).toBe(PLAYER_PAGE);
    } finally {
      await new Promise<void>((resolve) => pages.close(() => resolve()));
    }
    await server.close();
    expect(SocketRegistry.default.size).toBe(0);
  }, 60_000);
});
