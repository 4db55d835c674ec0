import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { RecordAead13 } from "./record/aead13.js";
import { parseDatagram } from "./record/header.js";
import { RecordLayer } from "./record/record-layer.js";

/**
 * The DTLS 1.3 receive fast path (RecordLayer.openWhole13) against the
 * general path (parseDatagram + open13): same content, type, epoch, sequence
 * number and counters for every datagram it takes, null for every datagram
 * of another shape, and never a throw on random or mutated bytes.
 */

const keys = (n: number) => ({
  key: new Uint8Array(n).fill(7),
  iv: new Uint8Array(12).fill(8),
  sn: new Uint8Array(n).fill(9),
});

function reader(aead: "aes-128-gcm" | "chacha20-poly1305", n: number): RecordLayer {
  const r = new RecordLayer();
  r.setEpoch13(3, new RecordAead13(aead, keys(n)), undefined);
  return r;
}

/** What the general path makes of a datagram: one opened record, or undefined. */
function general(layer: RecordLayer, d: Uint8Array) {
  const { records } = parseDatagram(d);
  const r = records[0];
  if (records.length !== 1 || !r || !("header" in r)) return "other";
  return layer.open13(r);
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("DTLS 1.3 receive fast path (openWhole13)", () => {
  for (const [aead, n] of [
    ["aes-128-gcm", 16],
    ["chacha20-poly1305", 32],
  ] as const) {
    test(`${aead}: the records we send open as the general path opens them`, () => {
      const writer = new RecordAead13(aead, keys(n));
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 0, maxLength: 1300 }),
          // A fresh reader expects record 0: numbers within half the 16-bit span reconstruct.
          fc.integer({ min: 0, max: 0x7fff }),
          fc.constantFrom(23, 21, 22),
          (data, seq, type) => {
            const fast = reader(aead, n);
            const slow = reader(aead, n);
            const d = writer.seal(3, seq, type, data);
            const content = fast.openWhole13(d);
            const opened = general(slow, d);
            if (d.length < 22) {
              // Too short for the fast path: the general path counts it.
              expect(content).toBeNull();
              return;
            }
            expect(content).toBeInstanceOf(Uint8Array);
            expect(opened).not.toBe("other");
            if (!content || !opened || opened === "other") return;
            expect(hex(content)).toBe(hex(opened.content));
            expect(hex(content)).toBe(hex(data));
            expect(fast.opened13).toEqual({ epoch: 3, seq: opened.seq, type });
            // The same record again is a replay, counted.
            expect(fast.openWhole13(d)).toBeUndefined();
            expect(fast.replays).toBe(1);
          },
        ),
        { numRuns: 300 },
      );
    });
  }

  test("other header forms, two records, unknown epoch bits: null (the general path takes them)", () => {
    const writer = new RecordAead13("aes-128-gcm", keys(16));
    const data = new Uint8Array(100).fill(1);
    const r = reader("aes-128-gcm", 16);
    expect(r.openWhole13(writer.seal(3, 1, 23, data, { seq8: true }))).toBeNull();
    expect(r.openWhole13(writer.seal(3, 1, 23, data, { noLength: true }))).toBeNull();
    const one = writer.seal(3, 2, 23, data);
    const two = new Uint8Array(one.length * 2);
    two.set(one, 0);
    two.set(writer.seal(3, 3, 23, data), one.length);
    expect(r.openWhole13(two)).toBeNull();
    expect(r.openWhole13(writer.seal(2, 4, 23, data))).toBeNull(); // epoch bits 2: no read epoch
    expect(r.replays + r.authFailures).toBe(0);
  });

  test("a tampered record is dropped and counted, and does not move the replay window", () => {
    const writer = new RecordAead13("aes-128-gcm", keys(16));
    const r = reader("aes-128-gcm", 16);
    const d = writer.seal(3, 5, 23, new Uint8Array(64).fill(2));
    const bad = new Uint8Array(d);
    bad[30]! ^= 1;
    expect(r.openWhole13(bad)).toBeUndefined();
    expect(r.authFailures).toBe(1);
    expect(r.openWhole13(d)).toBeInstanceOf(Uint8Array);
  });

  test("random and mutated datagrams: never a throw, and the same verdict as the general path", () => {
    const writer = new RecordAead13("aes-128-gcm", keys(16));
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 200 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }),
        fc.boolean(),
        (payload, flips, random) => {
          const d = random
            ? Uint8Array.from(payload, (b, i) => (i === 0 ? 0x2c | (b & 3) : b))
            : new Uint8Array(writer.seal(3, payload.length, 23, payload));
          for (const [at, x] of flips) if (d.length > 0) d[at % d.length]! ^= x;
          const fast = reader("aes-128-gcm", 16);
          const slow = reader("aes-128-gcm", 16);
          const content = fast.openWhole13(d);
          if (content === null) return;
          const opened = general(slow, d);
          expect(opened).not.toBe("other");
          if (opened === "other") return;
          expect(content === undefined).toBe(opened === undefined);
          if (content && opened) expect(hex(content)).toBe(hex(opened.content));
          expect([fast.replays, fast.authFailures]).toEqual([slow.replays, slow.authFailures]);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
