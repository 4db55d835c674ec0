import { existsSync } from "node:fs";
import { chromiumAvailable, launchChromium } from "@purertc/interop/chromium";
import { inPage, pageOffer, pageTransport, pageUntil } from "@purertc/interop/chromium-page";
import { CLI, ROOT, watchJsonChild } from "@purertc/interop/json-child";
import { createLoopbackNetns, netnsAvailable } from "@purertc/interop/netns";
import { describe, expect, it } from "vitest";

// Under CI=true both throw when their peer is missing: this test never skips silently there.
const netns = netnsAvailable();
const chromium = chromiumAvailable();
if (!existsSync(CLI)) throw new Error(`build first: ${CLI} is missing`);

describe.skipIf(!netns.available || !chromium)(
  "headless Chromium ↔ an ICE-lite purertc PeerConnection",
  () => {
    it("Chromium offers and controls; purertc answers with a=ice-lite and connects", {
      timeout: 90_000,
    }, async () => {
      await using ns = await createLoopbackNetns({ prefix: "pclite" });
      await using browser = await launchChromium({ netns: ns.name, loopback: true });
      const child = watchJsonChild(
        ns.spawn(process.execPath, [CLI, "pc", "--answer", "--loopback", "--lite", "--json"], { cwd: ROOT }),
      );
      const page = browser.page;
      try {
        const offer = await pageOffer(page);
        child.send({ type: "offer", sdp: offer });
        const answer = String((await child.next((e) => e.event === "answer")).sdp);
        expect(answer).toContain("a=ice-lite\r\n");
        // A lite answer made after gathering carries its host candidate; no trickle needed.
        await child.next((e) => e.event === "candidate" && e.candidate === "");
        const candidates = child.events
          .filter((e) => e.event === "candidate" && e.candidate)
          .map((e) => String(e.candidate));
        expect(candidates.length).toBeGreaterThan(0);
        for (const c of candidates) expect(c).toMatch(/ typ host/);
        await inPage(
          page,
          `await pc.setRemoteDescription({ type: "answer", sdp: arg.sdp });
           for (const candidate of arg.candidates) await pc.addIceCandidate({ candidate, sdpMid: "0" });`,
          { sdp: answer, candidates },
        );
        await pageUntil(page, "globalThis.pc.connectionState === 'connected'", 30_000);
        await child.next((e) => e.event === "connectionstatechange" && e.state === "connected");
        const ours = await child.next((e) => e.event === "transport");
        expect(ours.iceRole).toBe("controlled");
        const theirs = await pageTransport(page);
        expect(theirs.iceRole).toBe("controlling");
        expect(theirs.dtlsState).toBe("connected");
        expect(String(ours.local)).toBe(`127.0.0.1:${String(theirs.remotePort)}`);
        console.log(`Chromium ↔ ICE-lite purertc: ${JSON.stringify({ ours, theirs: theirs.iceRole })}`);
        child.end();
        expect(await child.exit()).toBe(0);
      } finally {
        await child.stop();
      }
    });
  },
);
