import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { negotiate, waitForState } from "./pair.test-helper.js";
import { PeerConnection } from "./peer-connection.js";
import { WireTap } from "./wire-tap.test-helper.js";

/**
 * a (offerer: ICE controlling, DTLS server) ↔ tap ↔ b (answerer: ICE
 * controlled, DTLS client). a knows b only by the tap's address; b is told
 * nothing of a and learns the tap's upstream socket from a's checks
 * (peer-reflexive), so every datagram both ways crosses the tap.
 */
async function tappedPair(holdNomination: boolean) {
  const a = new PeerConnection({ interfaces: "loopback" });
  const b = new PeerConnection({ interfaces: "loopback" });
  let tap: WireTap | undefined;
  let starting = false;
  const tapReady = new Promise<WireTap>((resolve) => {
    b.addEventListener("icecandidate", (e) => {
      const c = e.candidate?.candidate;
      if (!c || starting || !/ udp \d+ 127\.0\.0\.1 /i.test(c)) return;
      starting = true;
      const fields = c.split(" ");
      void WireTap.start({ address: fields[4]!, port: Number(fields[5]) }, holdNomination).then((t) => {
        tap = t;
        fields[4] = t.address.address;
        fields[5] = String(t.address.port);
        void a.addIceCandidate({ ...e.candidate, candidate: fields.join(" ") }).catch(() => {});
        resolve(t);
      });
    });
  });
  const close = async () => {
    await a.close();
    await b.close();
    await tap?.close();
  };
  return { a, b, tapReady, close };
}

describe("DTLS on a valid pair before nomination (RFC 8445 §12.1)", () => {
  it("the DTLS client's ClientHello crosses the wire before the answer to the nominating check", async () => {
    await withLeakCheck(async () => {
      // The nominating check waits in the tap until a ClientHello has passed (or 1.5 s: the old
      // behaviour, where the client waits for the nomination, then shows as the wrong order).
      const { a, b, tapReady, close } = await tappedPair(true);
      try {
        const channel = a.createDataChannel("early");
        const opened = new Promise((resolve) => channel.addEventListener("open", resolve));
        await negotiate(a, b);
        const tap = await tapReady;
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
});
