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

type PageGlobal = { pc: RTCPeerConnection; dc: RTCDataChannel; received: string[] };

/** In the page: a data-channel offer once gathering completes (bounded); the channel records what it gets. */
function chromiumOffer(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const g = globalThis as unknown as PageGlobal;
    const pc = new RTCPeerConnection();
    g.pc = pc;
    g.received = [];
    g.dc = pc.createDataChannel("chat");
    g.dc.onopen = () => g.dc.send("hello from chromium");
    g.dc.onmessage = (e) => g.received.push(String(e.data));
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

/** Chromium's view of the transport and of the selected pair's candidates. */
function chromiumTransport(page: Page): Promise<Record<string, unknown>> {
  return page.evaluate(async () => {
    const stats = await (globalThis as unknown as PageGlobal).pc.getStats();
    let transport: Record<string, unknown> = {};
    stats.forEach((s: Record<string, unknown>) => {
      if (s.type === "transport") transport = { ...s };
    });
    const pair = stats.get(String(transport.selectedCandidatePairId)) as Record<string, unknown> | undefined;
    const local = pair && (stats.get(String(pair.localCandidateId)) as Record<string, unknown>);
    const remote = pair && (stats.get(String(pair.remoteCandidateId)) as Record<string, unknown>);
    return {
      dtlsState: transport.dtlsState,
      iceRole: transport.iceRole,
      localProtocol: local?.protocol,
      localTcpType: local?.tcpType,
      remoteProtocol: remote?.protocol,
      remotePort: remote?.port,
    };
  });
}

describe.skipIf(!netns.available || !chromium)(
  "headless Chromium ↔ a purertc PeerConnection with only passive TCP candidates (RFC 6544)",
  () => {
    it("Chromium dials our listener; checks, DTLS and a data channel go over TCP both ways", {
      timeout: 90_000,
    }, async () => {
      await using ns = await createLoopbackNetns({ prefix: "pctcp" });
      await using browser = await launchChromium({ netns: ns.name, loopback: true });
      const child = watchJsonChild(
        ns.spawn(
          process.execPath,
          [
            CLI,
            "pc",
            "--answer",
            "--loopback",
            "--tcp",
            "passive",
            "--tcp-only",
            "--send",
            "hello from purertc",
            "--json",
          ],
          { cwd: ROOT },
        ),
      );
      const page = browser.page;
      try {
        const offer = await chromiumOffer(page);
        expect(offer).toMatch(/ tcp \d+ 127\.0\.0\.1 9 typ host tcptype active/);
        child.send({ type: "offer", sdp: offer });
        const answer = String((await child.next((e) => e.event === "answer")).sdp);
        await child.next((e) => e.event === "candidate" && e.candidate === "");
        const candidates = child.events
          .filter((e) => e.event === "candidate" && e.candidate)
          .map((e) => String(e.candidate));
        // Only passive TCP candidates: UDP is not offered, so only TCP can connect.
        expect(candidates.length).toBeGreaterThan(0);
        for (const c of candidates) expect(c).toMatch(/ tcp \d+ \S+ \d+ typ host tcptype passive/);
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
        expect(ours).toMatchObject({ protocol: "tcp", tcpType: "passive" });
        const theirs = await chromiumTransport(page);
        expect(theirs).toMatchObject({
          dtlsState: "connected",
          localProtocol: "tcp",
          localTcpType: "active",
          remoteProtocol: "tcp",
        });
        expect(String(ours.local)).toBe(`127.0.0.1:${String(theirs.remotePort)}`);
        // Data channel both ways: Chromium's "hello" reaches us, our --send reaches Chromium.
        const got = await child.next((e) => e.event === "message", 15_000);
        expect(got).toMatchObject({ label: "chat", text: "hello from chromium" });
        await page.waitForFunction("globalThis.received.includes('hello from purertc')", undefined, {
          timeout: 15_000,
          polling: 20,
        });
        console.log(`Chromium ↔ purertc over ICE-TCP: ${JSON.stringify({ ours, theirs })}`);
        child.end();
        expect(await child.exit()).toBe(0);
      } finally {
        await child.stop();
      }
    });
  },
);
