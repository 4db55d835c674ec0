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
        // A data channel that says hello once open and records what it gets.
        const offer = await pageOffer(page, {
          setup: `globalThis.received = [];
                  const dc = pc.createDataChannel("chat");
                  dc.onopen = () => dc.send("hello from chromium");
                  dc.onmessage = (e) => globalThis.received.push(String(e.data));`,
        });
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
        await inPage(
          page,
          `await pc.setRemoteDescription({ type: "answer", sdp: arg.sdp });
           for (const candidate of arg.candidates) await pc.addIceCandidate({ candidate, sdpMid: "0" });`,
          { sdp: answer, candidates },
        );
        await pageUntil(page, "globalThis.pc.connectionState === 'connected'", 30_000);
        await child.next((e) => e.event === "connectionstatechange" && e.state === "connected");
        const ours = await child.next((e) => e.event === "transport");
        expect(ours).toMatchObject({ protocol: "tcp", tcpType: "passive" });
        const theirs = await pageTransport(page);
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
        await pageUntil(page, "globalThis.received.includes('hello from purertc')", 15_000);
        console.log(
          `Chromium ↔ purertc over ICE-TCP: ${JSON.stringify({ ours, theirs: { ...theirs, remoteFingerprint: undefined } })}`,
        );
        child.end();
        expect(await child.exit()).toBe(0);
      } finally {
        await child.stop();
      }
    });
  },
);
