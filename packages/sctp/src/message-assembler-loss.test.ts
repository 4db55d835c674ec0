import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChunkType } from "./packet/constants.js";
import {
  expectHonestDelivery,
  forwardPlace,
  honestIData,
  honestRun,
  recordingReceiver,
  shuffleAndRepeat,
} from "./reassembly.test-helper.js";

describe("I-DATA reassembly with abandoned messages (RFC 8260 §2.3.1)", () => {
  it("property: honest fragments in any order, some twice, some lost then skipped by I-FORWARD-TSN: every message kept once, whole, ordered ones in MID order", () => {
    fc.assert(
      fc.property(honestRun(true), fc.nat(), ({ messages, shuffle, repeats }, forwardAt) => {
        const window = 1 << 20;
        const { r, delivered, violations } = recordingReceiver(window, 1 << 16);
        const { chunks, lastTsn, newCum, streams } = honestIData(messages);
        shuffleAndRepeat(chunks, shuffle, repeats);
        const at = newCum === undefined ? -1 : forwardPlace(chunks, newCum, forwardAt);
        const forward = () =>
          r.forward({
            type: ChunkType.IForwardTsn,
            newCumulativeTsn: newCum!,
            streams,
          });
        chunks.forEach((c, i) => {
          if (i === at && newCum !== undefined) forward();
          r.receive(c);
        });
        if (at === chunks.length && newCum !== undefined) forward();
        expect(violations).toEqual([]);
        expectHonestDelivery(messages, delivered);
        expect(r.aRwnd).toBe(window);
        expect(r.cumTsn).toBe(lastTsn);
      }),
      { numRuns: 1000 },
    );
  });
});
