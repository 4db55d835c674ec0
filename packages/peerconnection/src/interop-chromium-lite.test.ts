import { existsSync } from "node:fs";
import { chromiumAvailable, launchChromium } from "@purertc/interop/chromium";
import { CLI, ROOT, watchJsonChild } from "@purertc/interop/json-child";
import { createLoopbackNetns, netnsAvailable } from "@purertc/interop/netns";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";

// Under CI=true both throw when their peer is missing: this test never skips silently there.
const netns = netnsAvailable();
const chromium = chromiumAvailable();
if (!existsSync(CLI)) throw new Error(`build first: ${CLI} is missing`);

type PageGlobal = { pc: RTCPeerConnection };

/** In the page: a data-channel offer once gathering completes (bounded). */
function chromiumOffer(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const pc = new RTCPeerConnection();
    (globalThis as unknown as PageGlobal).pc = pc;
    pc.createDataChannel("purertc");
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      const check = () => {
        if (pc.iceGatheringState !== "complete") return;
        clearTimeout(timer);
        resolve();
      };
      pc.onicegatheringstatechange = check;
      check();
    });
    return pc.localDescription!.sdp;
  });
}

/** Chromium's view: its ICE role, DTLS state and the selected pair's remote port. */
function chromiumTransport(page: Page): Promise<Record<string, unknown>> {
  return page.evaluate(async () => {
    const stats = await (globalThis as unknown as PageGlobal).pc.getStats();
    let transport: Record<string, unknown> = {};
    stats.forEach((s: Record<string, unknown>) => {
      if (s.type === "transport") transport = { ...s };
    });
    const pair = stats.get(String(transport.selectedCandidatePairId)) as Record<string, unknown> | undefined;
    const remote = pair && (stats.get(String(pair.remoteCandidateId)) as Record<string, unknown>);
    return { ...transport, remotePort: remote?.port, remoteType: remote?.candidateType };
  });
}

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
        const offer = await chromiumOffer(page);
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
        await page.evaluate(
          async ({ sdp, candidates }) => {
            const pc = (globalThis as unknown as PageGlobal).pc;
            await pc.setRemoteDescription({ type: "answer", sdp });
            for (const candidate of candidates) await pc.addIceCandidate({ candidate, sdpMid: "0" });
          },
          { sdp: answer, candidates },
        );
        await page.waitForFunction("globalThis.pc.connectionState === 'connected'", undefined, {
          timeout: 30_000,
          polling: 20,
        });
        await child.next((e) => e.event === "connectionstatechange" && e.state === "connected");
        const ours = await child.next((e) => e.event === "transport");
        expect(ours.iceRole).toBe("controlled");
        const theirs = await chromiumTransport(page);
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
