import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { waitForState } from "./pair.test-helper.js";
import { PeerConnection } from "./peer-connection.js";
import { negotiatedTappedPair } from "./tapped-pair.test-helper.js";
import { WireTap } from "./wire-tap.test-helper.js";

/** Datagrams other than STUN that `pc`'s ICE agent has read (its transport stats). */
async function transportPacketsReceived(pc: PeerConnection): Promise<number> {
  for (const report of (await pc.getStats()).values()) {
    if (report.type === "transport") return Number(report.packetsReceived ?? 0);
  }
  return 0;
}

describe("DTLS on a valid pair before nomination (RFC 8445 §12.1)", () => {
  it("the DTLS client's ClientHello crosses the wire before the answer to the nominating check", async () => {
    await withLeakCheck(async () => {
      // The nominating check waits in the tap until a ClientHello has passed (or 1.5 s: the old
      // behaviour, where the client waits for the nomination, then shows as the wrong order).
      const { a, b, tap, opened, close } = await negotiatedTappedPair();
      try {
        const atHello: string[] = [];
        tap.onEvent = (e) => {
          if (e.kind !== "client-hello" || atHello.length) return;
          // The W3C states when the ClientHello leaves: ICE connected (a valid pair, as Chromium
          // reports a writable one), the PeerConnection still connecting.
          atHello.push(b.iceConnectionState, b.connectionState);
          tap.release();
        };
        const fallback = setTimeout(() => tap.release(), 1500);
        await Promise.all([waitForState(a, "connected"), waitForState(b, "connected")]);
        await opened;
        clearTimeout(fallback);
        const order = tap.events.map((e) => `${e.direction} ${e.kind}`);
        const hello = order.indexOf("b→a client-hello");
        const nominated = order.indexOf("b→a nominating-response");
        expect(hello, order.join("\n")).toBeGreaterThanOrEqual(0);
        expect(nominated, order.join("\n")).toBeGreaterThanOrEqual(0);
        expect(hello, order.join("\n")).toBeLessThan(nominated);
        expect(atHello).toEqual(["connected", "connecting"]);
      } finally {
        await close();
      }
    });
  });

  it("a ClientHello that comes before the answer does is kept, not lost to a retransmission", async () => {
    await withLeakCheck(async () => {
      // The tap in front of the offerer a: the answerer b checks a (a answers from its own
      // credentials) and sends its ClientHello before a has b's answer; a is told nothing of b,
      // so every datagram crosses the tap.
      const a = new PeerConnection({ interfaces: "loopback" });
      const b = new PeerConnection({ interfaces: "loopback" });
      let tap: WireTap | undefined;
      try {
        const channel = a.createDataChannel("early");
        const opened = new Promise((resolve) => channel.addEventListener("open", resolve));
        const offererCandidate = new Promise<string>((resolve) =>
          a.addEventListener("icecandidate", (e) => {
            const c = e.candidate?.candidate;
            if (c && / udp \d+ 127\.0\.0\.1 /i.test(c)) resolve(c);
          }),
        );
        await a.setLocalDescription(await a.createOffer());
        await b.setRemoteDescription(a.localDescription!);
        await b.setLocalDescription(await b.createAnswer());
        const fields = (await offererCandidate).split(" ");
        const ufrag = /a=ice-ufrag:(\S+)/.exec(a.localDescription!.sdp)?.[1];
        tap = await WireTap.start({ address: fields[4]!, port: Number(fields[5]) }, false, ufrag);
        fields[4] = tap.address.address;
        fields[5] = String(tap.address.port);
        const hello = new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), 2000);
          tap!.onEvent = (e) => {
            if (e.kind !== "client-hello") return;
            clearTimeout(timer);
            resolve(true);
          };
        });
        await b.addIceCandidate({ candidate: fields.join(" "), sdpMid: "0" });
        // b's ClientHello crossed to a before a has the answer (b's pair is valid: a answered its check).
        expect(await hello).toBe(true);
        // Until a's agent has read it (the tap forwarded it; a's socket reads it on a later turn).
        for (let i = 0; i < 200 && (await transportPacketsReceived(a)) === 0; i++) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        expect(await transportPacketsReceived(a)).toBeGreaterThan(0);
        expect(a.remoteDescription).toBeNull();
        // Without b's candidates: a reaches b only through the tap (b's checks made it peer-reflexive).
        const sdp = b.localDescription!.sdp.replace(/^a=(candidate|end-of-candidates).*\r\n/gm, "");
        await a.setRemoteDescription({ type: "answer", sdp });
        await Promise.all([waitForState(a, "connected"), waitForState(b, "connected")]);
        await opened;
        expect(tap.events.some((e) => e.kind === "dtls")).toBe(true);
        // One ClientHello (its fragments), never sent again: a kept it until its DTLS began.
        const hellos = tap.events.filter((e) => e.kind === "client-hello").length;
        expect(hellos).toBeGreaterThanOrEqual(1);
        expect(hellos).toBeLessThanOrEqual(2);
      } finally {
        await a.close();
        await b.close();
        await tap?.close();
      }
    });
  });
});
