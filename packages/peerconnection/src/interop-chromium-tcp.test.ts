import { existsSync } from "node:fs";
import { chromiumAvailable, launchChromium } from "@purertc/interop/chromium";
import {
  inPage,
  pageAnswer,
  pageOffer,
  pageSetAnswer,
  pageTransport,
  pageUntil,
} from "@purertc/interop/chromium-page";
import { CLI, type JsonChild, ROOT, watchJsonChild } from "@purertc/interop/json-child";
import { createLoopbackNetns, netnsAvailable } from "@purertc/interop/netns";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";

// Under CI=true both throw when their peer is missing: this test never skips silently there.
const netns = netnsAvailable();
const chromium = chromiumAvailable();
if (!existsSync(CLI)) throw new Error(`build first: ${CLI} is missing`);

/**
 * In the page: a PeerConnection whose data channel (its own "chat" when it
 * offers, purertc's when it answers) says hello once open and records what
 * it gets; returns its description once gathering completes (bounded).
 */
function chromiumDescription(page: Page, offer: string | undefined): Promise<string> {
  const setup = `globalThis.received = [];
    const use = (dc) => {
      dc.onopen = () => dc.send("hello from chromium");
      dc.onmessage = (e) => globalThis.received.push(String(e.data));
    };`;
  return offer === undefined
    ? pageOffer(page, { setup: `${setup} use(pc.createDataChannel("chat"));` })
    : pageAnswer(page, offer, `${setup} pc.ondatachannel = (e) => use(e.channel);`);
}

/** purertc's candidates once it has gathered them all. */
async function ourCandidates(child: JsonChild): Promise<string[]> {
  await child.next((e) => e.event === "candidate" && e.candidate === "");
  return child.events.filter((e) => e.event === "candidate" && e.candidate).map((e) => String(e.candidate));
}

describe.skipIf(!netns.available || !chromium)(
  "headless Chromium ↔ a purertc PeerConnection with only passive TCP candidates (RFC 6544)",
  () => {
    for (const purertcOffers of [false, true]) {
      const name = purertcOffers ? "Chromium answers purertc's offer" : "Chromium offers, purertc answers";
      it(`${name}: Chromium dials our listener; checks, DTLS and a data channel go over TCP both ways`, {
        timeout: 90_000,
      }, async () => {
        await using ns = await createLoopbackNetns({ prefix: "pctcp" });
        await using browser = await launchChromium({ netns: ns.name, loopback: true });
        const flags = [
          "--loopback",
          "--tcp",
          "passive",
          "--tcp-only",
          "--send",
          "hello from purertc",
          "--json",
        ];
        const child = watchJsonChild(
          ns.spawn(
            process.execPath,
            [CLI, "pc", ...(purertcOffers ? ["--offer", "--channel", "chat"] : ["--answer"]), ...flags],
            { cwd: ROOT },
          ),
        );
        const page = browser.page;
        try {
          let theirSdp: string;
          let ourSdp: string;
          if (purertcOffers) {
            ourSdp = String((await child.next((e) => e.event === "offer")).sdp);
            theirSdp = await chromiumDescription(page, ourSdp);
            child.send({ type: "answer", sdp: theirSdp });
          } else {
            theirSdp = await chromiumDescription(page, undefined);
            child.send({ type: "offer", sdp: theirSdp });
            ourSdp = String((await child.next((e) => e.event === "answer")).sdp);
            await pageSetAnswer(page, ourSdp);
          }
          // Chromium offers to dial (tcptype active, port 9) and listens nowhere.
          expect(theirSdp).toMatch(/ tcp \d+ 127\.0\.0\.1 9 typ host tcptype active/);
          expect(theirSdp).not.toMatch(/tcptype passive/);
          // We offer only passive TCP candidates: no UDP, so only TCP can connect.
          const candidates = await ourCandidates(child);
          expect(candidates.length).toBeGreaterThan(0);
          for (const c of candidates) expect(c).toMatch(/ tcp \d+ \S+ \d+ typ host tcptype passive/);
          await inPage(
            page,
            `for (const candidate of arg) await pc.addIceCandidate({ candidate, sdpMid: "0" });`,
            candidates,
          );
          const started = performance.now();
          await pageUntil(page, "globalThis.pc.connectionState === 'connected'", 30_000);
          const ms = performance.now() - started;
          await child.next((e) => e.event === "connectionstatechange" && e.state === "connected");
          const ours = await child.next((e) => e.event === "transport");
          expect(ours).toMatchObject({ protocol: "tcp", tcpType: "passive", tlsVersion: "FEFC" });
          expect(ours.iceRole).toBe(purertcOffers ? "controlling" : "controlled");
          const theirs = await pageTransport(page);
          expect(theirs).toMatchObject({
            dtlsState: "connected",
            tlsVersion: "FEFC",
            localProtocol: "tcp",
            localTcpType: "active",
            remoteProtocol: "tcp",
          });
          expect(String(ours.local)).toBe(`127.0.0.1:${String(theirs.remotePort)}`);
          // Data channel both ways: Chromium's hello reaches us, our --send reaches Chromium.
          const got = await child.next((e) => e.event === "message", 30_000);
          expect(got).toMatchObject({ label: "chat", text: "hello from chromium" });
          await pageUntil(page, "globalThis.received.includes('hello from purertc')", 30_000);
          console.log(
            `${name} over ICE-TCP: connected ${ms.toFixed(0)} ms after candidates; ${JSON.stringify({ ours, theirs: { ...theirs, remoteFingerprint: undefined } })}`,
          );
          child.end();
          expect(await child.exit()).toBe(0);
        } finally {
          await child.stop();
        }
      });
    }
  },
);
