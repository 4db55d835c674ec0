import { withLeakCheck } from "@purertc/socket/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RtspError } from "../errors.js";
import { PacedSender, TokenBucket } from "./pacer.js";

/** Largest excess over `burst + rate * dt` of the bytes sent in any window of a send log. */
function worstExcess(
  log: ReadonlyArray<{ at: number; bytes: number }>,
  bytesPerSecond: number,
  burst: number,
) {
  let worst = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < log.length; i++) {
    let sum = 0;
    for (let j = i; j < log.length; j++) {
      sum += log[j]!.bytes;
      worst = Math.max(worst, sum - burst - ((log[j]!.at - log[i]!.at) * bytesPerSecond) / 1000);
    }
  }
  return worst;
}

describe("TokenBucket", () => {
  it("never lets more than burst + rate * T go in any window, and the wait it names is enough (property, simulated clock)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1000, max: 10_000_000 }),
        fc.integer({ min: 1200, max: 200_000 }),
        fc.array(
          fc.record({ idle: fc.integer({ min: 0, max: 50 }), size: fc.integer({ min: 1, max: 1200 }) }),
          {
            maxLength: 200,
          },
        ),
        (rate, burst, sends) => {
          let now = 0;
          const bucket = new TokenBucket(rate, burst, () => now);
          const log: Array<{ at: number; bytes: number }> = [];
          for (const { idle, size } of sends) {
            now += idle;
            let wait = bucket.take(size);
            // The sender's loop: wait as told, then it must go (allowing float rounding once).
            for (let tries = 0; wait > 0; tries++) {
              expect(tries).toBeLessThan(2);
              now += wait;
              wait = bucket.take(size);
            }
            log.push({ at: now, bytes: size });
          }
          expect(worstExcess(log, rate, burst)).toBeLessThanOrEqual(1e-6 * burst);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses a rate or depth that is not a positive number (typed error)", () => {
    for (const [rate, burst] of [
      [0, 2000],
      [-1, 2000],
      [Number.NaN, 2000],
      [Number.POSITIVE_INFINITY, 2000],
      [1000, 100],
      [1000, Number.NaN],
    ] as const) {
      expect(() => new TokenBucket(rate, burst)).toThrow(RtspError);
    }
  });
});

describe("PacedSender", () => {
  it("sends 200 kB at 400 kB/s with a 10 kB burst: in order, waiting on its timer, no window over the rate", async () => {
    await withLeakCheck(async () => {
      const rate = 400_000;
      const burst = 10_000;
      const log: Array<{ at: number; bytes: number; n: number }> = [];
      const pacer = new PacedSender(
        (p) => log.push({ at: performance.now(), bytes: p.length, n: p[0]! | (p[1]! << 8) }),
        { bitsPerSecond: rate * 8, burstBytes: burst },
      );
      const packet = (n: number) => {
        const p = new Uint8Array(1000);
        p[0] = n & 0xff;
        p[1] = n >> 8;
        return p;
      };
      // Ten "units" of 20 packets, each sent once the previous settled (as the fan-out's pump does).
      for (let u = 0; u < 10; u++) await pacer.send(Array.from({ length: 20 }, (_, k) => packet(u * 20 + k)));
      expect(log.map((e) => e.n)).toEqual(Array.from({ length: 200 }, (_, n) => n));
      expect(pacer.stats).toMatchObject({ packets: 200, bytes: 200_000, errors: 0 });
      expect(pacer.stats.waits).toBeGreaterThan(0);
      // A busy machine only makes it slower: the lower bound cannot flake.
      expect(pacer.stats.lastAt - pacer.stats.firstAt).toBeGreaterThanOrEqual(
        ((200_000 - burst) * 1000) / rate - 1,
      );
      // Logged a few µs after each take: allow two packets and 5 ms of rate for that skew.
      expect(worstExcess(log, rate, burst)).toBeLessThanOrEqual(2000 + rate * 0.005);
      pacer.close();
    });
  });

  it("close() while a unit is held settles its send, cancels the timer, sends nothing more; a refused packet is counted", async () => {
    await withLeakCheck(async () => {
      let sent = 0;
      const pacer = new PacedSender(
        () => {
          if (++sent === 3) throw new Error("refused");
        },
        { bitsPerSecond: 8000, burstBytes: 1200 },
      );
      const held = pacer.send([new Uint8Array(1200), new Uint8Array(1200), new Uint8Array(1200)]);
      expect(held).toBeInstanceOf(Promise);
      expect(sent).toBe(1);
      pacer.close();
      await held;
      expect(sent).toBe(1);
      expect(pacer.send([new Uint8Array(10)])).toBeUndefined();
      expect(sent).toBe(1);

      const refusing = new PacedSender(
        () => {
          throw new Error("refused");
        },
        { bitsPerSecond: 8_000_000, burstBytes: 64_000 },
      );
      expect(refusing.send([new Uint8Array(100), new Uint8Array(100)])).toBeUndefined();
      expect(refusing.stats).toMatchObject({ packets: 2, errors: 2 });
      refusing.close();
    });
  });
});
