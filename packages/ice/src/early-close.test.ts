import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { IceError } from "./index.js";
import { text, waitForState } from "./test/pair.test-helper.js";
import { slowNomination } from "./test/slow-nomination.test-helper.js";

describe("close() with a valid pair before nomination", () => {
  it("a statechange listener using the agent on `closed` starts nothing (no consent monitor, no state change)", async () => {
    await withLeakCheck(async () => {
      // a never nominates within the test; b's consent timing is the default (timers of 5-30 s).
      const { a, b, close } = await slowNomination({ nominationTimeoutMs: 60_000 });
      try {
        await waitForState(b, "connected");
        expect(b.selectedPair).toBeUndefined();
        expect(b.dataPair).toBeDefined();
        const seen: string[] = [];
        let addError: unknown;
        b.on("statechange", (state) => {
          seen.push(state);
          if (state !== "closed") return;
          // Each of these once took a fresh valid pair and started its consent checks, nobody stopping them.
          seen.push(`stats pair ${b.getStats().selectedCandidatePairId ?? "none"}`);
          seen.push(`data pair ${b.dataPair?.id ?? "none"}`);
          const dropped = b.getStats().dropped;
          b.send(text("while closing"));
          seen.push(`dropped ${b.getStats().dropped - dropped}`);
          try {
            b.addRemoteCandidate({ ...a.localCandidates[0]!, foundation: "7777", port: 9 });
          } catch (error) {
            addError = error;
          }
        });
        await b.close();
        expect(seen).toEqual(["closed", "stats pair none", "data pair none", "dropped 1"]);
        expect(addError).toBeInstanceOf(IceError);
        expect((addError as IceError).code).toBe("ERR_STATE");
        expect(b.state).toBe("closed");
        expect(b.closed).toBe(true);
      } finally {
        await close();
      }
    });
  });
});
