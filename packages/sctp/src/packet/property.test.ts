import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SctpError } from "../errors.js";
import { arbPacket } from "./arbitraries.test-helper.js";
import { sctpChecksum } from "./crc32c.js";
import { decodePacket, encodePacket } from "./index.js";

// Case counts: ≥ 200,000 parser cases in CI in total (this file: 205,000);
// SCTP_PROPERTY_SCALE=5 runs 1,025,000 (`npm run test:property -w @purertc/sctp`).
const SCALE = Number(process.env.SCTP_PROPERTY_SCALE ?? 1);
const runs = (n: number) => ({ numRuns: Math.round(n * SCALE) });
/** Per-test time limit, scaled with the case count (a shared 2-core machine). */
const TIME = 60_000 * SCALE;

/** Decoding must give a packet or an SctpError, nothing else. */
function decodeOrTypedError(b: Uint8Array, skipChecksum: boolean): void {
  try {
    decodePacket(b, { skipChecksum });
  } catch (e) {
    if (!(e instanceof SctpError)) throw e;
  }
}

function withChecksum(b: Uint8Array): Uint8Array {
  const crc = sctpChecksum(b);
  b[8] = crc;
  b[9] = crc >>> 8;
  b[10] = crc >>> 16;
  b[11] = crc >>> 24;
  return b;
}

describe("SCTP packet codec properties", () => {
  it(
    "decode(encode(p)) = p",
    () => {
      fc.assert(
        fc.property(arbPacket, (p) => {
          expect(decodePacket(encodePacket(p))).toEqual(p);
        }),
        runs(10_000),
      );
    },
    TIME,
  );

  it(
    "encode is stable: encode(decode(encode(p))) = encode(p)",
    () => {
      fc.assert(
        fc.property(arbPacket, (p) => {
          const b = encodePacket(p);
          expect(Buffer.compare(encodePacket(decodePacket(b)), b)).toBe(0);
        }),
        runs(5_000),
      );
    },
    TIME,
  );

  it(
    "random bytes: a packet or an SctpError",
    () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
          decodeOrTypedError(b, true);
          decodeOrTypedError(b, false);
        }),
        runs(60_000),
      );
    },
    TIME,
  );

  it(
    "random bytes after a valid header and checksum: a packet or an SctpError",
    () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 4, maxLength: 200 }), (body) => {
          const b = new Uint8Array(12 + body.length);
          b.set(body, 12);
          decodeOrTypedError(withChecksum(b), false);
        }),
        runs(40_000),
      );
    },
    TIME,
  );

  it(
    "mutated valid packets (bytes flipped, truncated, extended; checksum fixed): a packet or an SctpError",
    () => {
      const mutation = fc.record({
        flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        cut: fc.nat(),
        extra: fc.uint8Array({ maxLength: 8 }),
        kind: fc.integer({ min: 0, max: 2 }),
      });
      fc.assert(
        fc.property(arbPacket, mutation, (p, m) => {
          let b = encodePacket(p);
          if (m.kind === 0) for (const [i, x] of m.flips) b[i % b.length] = b[i % b.length]! ^ x;
          else if (m.kind === 1) b = b.subarray(0, 12 + (m.cut % Math.max(1, b.length - 11)));
          else {
            const e = new Uint8Array(b.length + m.extra.length);
            e.set(b);
            e.set(m.extra, b.length);
            b = e;
          }
          decodeOrTypedError(withChecksum(new Uint8Array(b)), false);
        }),
        runs(90_000),
      );
    },
    TIME,
  );
});
