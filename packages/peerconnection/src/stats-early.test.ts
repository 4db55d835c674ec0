import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { waitForState } from "./pair.test-helper.js";
import type { PeerConnection } from "./peer-connection.js";
import type { Stats } from "./stats.js";
import { negotiatedTappedPair } from "./tapped-pair.test-helper.js";

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
      const { a, b, tap, opened, close } = await negotiatedTappedPair();
      try {
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
