import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chromiumAvailable, launchChromium } from "@purertc/interop/chromium";
import { ROOT, watchJsonChild as watch } from "@purertc/interop/json-child";
import { createVethPair, netnsAvailable } from "@purertc/interop/netns";
import { describe, expect, it } from "vitest";
import { isGeneratedMdnsName } from "./index.js";

// Under CI=true both throw when their peer is missing: this test never skips silently there.
const netns = netnsAvailable();
const chromium = chromiumAvailable();
const PEER = `${ROOT}packages/mdns/test/chromium-peer.mjs`;
if (!existsSync(`${ROOT}packages/mdns/dist/index.js`))
  throw new Error("build first: packages/mdns/dist is missing");

/** Chromium's offer once gathering is complete (bounded in the page). */
async function gatherOffer(page: import("playwright-core").Page): Promise<string> {
  return page.evaluate(async () => {
    const pc = new RTCPeerConnection();
    (globalThis as unknown as { pc: RTCPeerConnection }).pc = pc;
    pc.createDataChannel("probe");
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      const check = () => {
        if (pc.iceGatheringState === "complete") {
          clearTimeout(timer);
          resolve();
        }
      };
      pc.onicegatheringstatechange = check;
      check();
    });
    return pc.localDescription!.sdp;
  });
}

/** A minimal answer with our ICE credentials, enough for Chromium to start checks toward our candidate. */
function answerFor(offer: string): string {
  const mid = /a=mid:(\S+)/.exec(offer)?.[1] ?? "0";
  const fingerprint = [...randomBytes(32)]
    .map((b) => b.toString(16).padStart(2, "0").toUpperCase())
    .join(":");
  return [
    "v=0",
    "o=- 4215775240449105457 2 IN IP4 127.0.0.1",
    "s=-",
    "t=0 0",
    `a=group:BUNDLE ${mid}`,
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
    "c=IN IP4 0.0.0.0",
    "a=ice-ufrag:purertc",
    "a=ice-pwd:purertcpurertcpurertc00",
    `a=fingerprint:sha-256 ${fingerprint}`,
    "a=setup:active",
    `a=mid:${mid}`,
    "a=sctp-port:5000",
    "",
  ].join("\r\n");
}

describe.skipIf(!netns.available || !chromium)("headless Chromium with default mDNS obfuscation", () => {
  it("our resolver resolves Chromium's .local candidate, which then answers an ICE check; Chromium resolves ours", async () => {
    await using lan = await createVethPair({ prefix: "mdnscr" });
    await using browser = await launchChromium({ netns: lan.a.name });
    const offer = await gatherOffer(browser.page);
    const candidate = /a=candidate:\S+ 1 udp \d+ (\S+) (\d+) typ host/.exec(offer);
    expect(candidate, offer).not.toBeNull();
    const [, chromeName, chromePort] = candidate!;
    // Default obfuscation: a <uuid-v4>.local name, no raw address anywhere in the offer.
    expect(isGeneratedMdnsName(chromeName!)).toBe(true);
    expect(offer).not.toContain(lan.a.address);
    const ufrag = /a=ice-ufrag:(\S+)/.exec(offer)![1]!;
    const pwd = /a=ice-pwd:(\S+)/.exec(offer)![1]!;

    const peer = watch(
      lan.b.spawn(process.execPath, [PEER, chromeName!, chromePort!, ufrag, pwd, lan.b.address], {
        cwd: ROOT,
      }),
    );
    try {
      const published = await peer.next((e) => e.event === "published" || e.event === "error");
      expect(published.event).toBe("published");
      const resolved = await peer.next((e) => e.event === "resolved" || e.event === "error", 15_000);
      expect(resolved).toMatchObject({ event: "resolved", addresses: [lan.a.address] });
      // Chromium accepts a connectivity check on the resolved address: a Binding success response.
      const check = await peer.next((e) => e.event === "check" || e.event === "error");
      expect(check).toMatchObject({ event: "check", ok: true, from: `${lan.a.address}:${chromePort}` });

      // The other way: Chromium gets our .local candidate and resolves it through our responder,
      // which shows as Chromium's ICE checks arriving at our socket.
      const ourCandidate = `candidate:1 1 udp 2122260223 ${published.name as string} ${published.port as number} typ host`;
      const started = performance.now();
      await browser.page.evaluate(
        async ({ answer, candidate }) => {
          const pc = (globalThis as unknown as { pc: RTCPeerConnection }).pc;
          await pc.setRemoteDescription({ type: "answer", sdp: answer });
          await pc.addIceCandidate({
            candidate,
            sdpMid: pc.getTransceivers()[0]?.mid ?? "0",
            sdpMLineIndex: 0,
          });
        },
        { answer: answerFor(offer), candidate: ourCandidate },
      );
      const checked = await peer.next((e) => e.event === "checked" || e.event === "error", 15_000);
      expect(checked).toMatchObject({ event: "checked", username: `purertc:${ufrag}` });
      expect(String(checked.from)).toMatch(new RegExp(`^${lan.a.address.replaceAll(".", "\\.")}:`));
      console.log(
        `mDNS with Chromium: our resolve of its name ${resolved.ms} ms; its resolve of ours + first check ${(performance.now() - started).toFixed(1)} ms`,
      );

      peer.end();
      expect(await peer.exit()).toBe(0);
    } finally {
      await peer.stop();
    }
  });
});
