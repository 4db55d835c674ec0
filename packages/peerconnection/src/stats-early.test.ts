import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { negotiate, waitForState } from "./pair.test-helper.js";
import { PeerConnection } from "./peer-connection.js";
import type { Stats } from "./stats.js";
import { WireTap } from "./wire-tap.test-helper.js";

/**
 * a (offerer: ICE controlling) ↔ tap ↔ b (answerer: ICE controlled). The tap
 * holds a's nominating checks until `release()`, so b carries DTLS and data
 * on a valid pair that is not nominated (RFC 8445 §12.1) for as long as the
 * test wants: a controlling peer that nominates late.
 */
async function heldNomination() {
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
      void WireTap.start({ address: fields[4]!, port: Number(fields[5]) }, true).then((t) => {
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

/** The transport report and the candidate pair its `selectedCandidatePairId` names. */
async function transportPair(pc: PeerConnection): Promise<{ transport: Stats; pair: Stats | undefined }> {
  const report = await pc.getStats();
  const transport = [...report.values()].find((s) => s.type === "transport")!;
  const id = transport.selectedCandidatePairId as string | undefined;
  return { transport, pair: id === undefined ? undefined : report.get(id) };
}

describe("getStats() before nomination (webrtc-stats: the pair used to transport)", () => {
  it("names the valid pair DTLS runs on before nomination (succeeded, not nominated), then the nominated one", async () => {
    await withLeakCheck(async () => {
      const { a, b, tapReady, close } = await heldNomination();
      try {
        const channel = a.createDataChannel("early");
        const opened = new Promise((resolve) => channel.addEventListener("open", resolve));
        await negotiate(a, b);
        const tap = await tapReady;
        // DTLS and SCTP come up on the valid pair while a's nomination waits in the tap.
        await Promise.all([waitForState(a, "connected"), waitForState(b, "connected"), opened]);
        expect(tap.events.some((e) => e.kind === "nominating-response")).toBe(false);
        const early = await transportPair(b);
        expect(early.pair, JSON.stringify(early.transport)).toBeDefined();
        expect(early.pair).toMatchObject({ type: "candidate-pair", state: "succeeded", nominated: false });
        expect(Number(early.pair!.bytesSent)).toBeGreaterThan(0);
        // The controlling side reports its own valid pair the same way.
        expect((await transportPair(a)).pair).toMatchObject({ state: "succeeded", nominated: false });
        tap.release();
        let after = await transportPair(b);
        for (let i = 0; i < 200 && after.pair?.nominated !== true; i++) {
          await new Promise((resolve) => setTimeout(resolve, 10));
          after = await transportPair(b);
        }
        expect(after.pair).toMatchObject({ state: "succeeded", nominated: true });
        expect(b.iceConnectionState === "connected" || b.iceConnectionState === "completed").toBe(true);
      } finally {
        await close();
      }
    });
  });
});
