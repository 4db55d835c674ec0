import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChunkType } from "./packet/constants.js";
import type { UserDataChunk } from "./packet/i-data.js";
import { type OutgoingMessage, SendQueue } from "./send-queue.js";

// SCTP_PROPERTY_SCALE multiplies the fast-check runs, as in packet/property.test.ts.
const SCALE = Number(process.env.SCTP_PROPERTY_SCALE ?? 1);
const runs = (n: number) => ({ numRuns: Math.round(n * SCALE) });

function message(streamId: number, size: number, unordered = false, fill = 0): OutgoingMessage {
  return {
    streamId,
    ppid: 53,
    data: new Uint8Array(size).fill(fill),
    unordered,
    offset: 0,
    ssn: 0,
    fsn: 0,
    maxRetransmits: -1,
    expiresAt: 0,
    abandoned: false,
  };
}

/** A queue with these weights on streams 0..n-1. */
function queue(weights: readonly number[], interleaving: boolean): SendQueue {
  const q = new SendQueue(() => {});
  q.setInterleaving(interleaving);
  for (const [id, w] of weights.entries()) q.setWeight(id, w);
  return q;
}

/**
 * Start-time fair queueing's bound (Goyal, Vin, Cheng 1996, Theorem 1): over
 * any stretch where streams i and j both have data waiting,
 * |bytes_i / w_i - bytes_j / w_j| <= max_i / w_i + max_j / w_j, where max is
 * the largest unit (fragment with I-DATA, message with DATA) each sent.
 */
function checkFairness(bytes: number[], weights: readonly number[], unit: number): void {
  for (let i = 0; i < weights.length; i++)
    for (let j = i + 1; j < weights.length; j++) {
      const lag = Math.abs(bytes[i]! / weights[i]! - bytes[j]! / weights[j]!);
      const bound = unit / weights[i]! + unit / weights[j]!;
      if (lag > bound + 1e-9)
        throw new Error(`streams ${i} and ${j}: lag ${lag} > bound ${bound} at bytes ${bytes.join(",")}`);
    }
}

describe("weighted fair queueing stream scheduler (RFC 8260 §3.6)", () => {
  it("I-DATA, the four W3C priorities backlogged: bytes follow the weights 128:256:512:1024 at every fragment", () => {
    const weights = [128, 256, 512, 1024];
    const q = queue(weights, true);
    for (let id = 0; id < 4; id++) for (let k = 0; k < 40; k++) q.enqueue(message(id, 100_000));
    const bytes = [0, 0, 0, 0];
    // 6000 fragments of 1000 bytes: no stream runs dry (the highest sends 3.2 MB of its 4 MB).
    for (let tsn = 0; tsn < 6000; tsn++) {
      q.peek(0);
      const { chunk } = q.nextChunk(tsn, 1000);
      bytes[chunk.streamId]! += chunk.userData.length;
      checkFairness(bytes, weights, 1000);
    }
    const total = bytes.reduce((a, b) => a + b, 0);
    for (let id = 0; id < 4; id++) expect(bytes[id]! / total).toBeCloseTo(weights[id]! / 1920, 3);
  });

  it("DATA: one whole message per turn (fragments never interleave) and bytes still follow the weights", () => {
    const weights = [128, 1024, 256];
    const q = queue(weights, false);
    for (let id = 0; id < 3; id++) for (let k = 0; k < 1000; k++) q.enqueue(message(id, 2500 + 500 * id));
    const bytes = [0, 0, 0];
    let inMessage: number | undefined;
    for (let tsn = 0; tsn < 2000; tsn++) {
      q.peek(0);
      const { chunk } = q.nextChunk(tsn, 1100);
      expect(chunk.type).toBe(ChunkType.Data);
      if (inMessage !== undefined) expect(chunk.streamId).toBe(inMessage);
      inMessage = chunk.ending ? undefined : chunk.streamId;
      bytes[chunk.streamId]! += chunk.userData.length;
      // Counted per message: the bound's unit is the largest message (3500 bytes).
      if (chunk.ending) checkFairness(bytes, weights, 3500);
    }
    const total = bytes.reduce((a, b) => a + b, 0);
    for (let id = 0; id < 3; id++)
      expect(Math.abs(bytes[id]! / total - weights[id]! / 1408)).toBeLessThan(0.01);
  });

  it("equal weights are round robin: streams take turns in the order they joined", () => {
    const q = queue([], true);
    for (const id of [5, 3, 9]) q.enqueue(message(id, 300));
    const order: number[] = [];
    for (let tsn = 0; q.peek(0); tsn++) order.push(q.nextChunk(tsn, 100).chunk.streamId);
    expect(order).toEqual([5, 3, 9, 5, 3, 9, 5, 3, 9]);
  });

  it("no starvation: weight 1 beside weight 65535 still sends once per 65,536 fragments", () => {
    const q = queue([1, 65535], true);
    q.enqueue(message(0, 1 << 20));
    q.enqueue(message(1, 1 << 22));
    let last = -1;
    let lowFragments = 0;
    for (let tsn = 0; tsn < 200_000; tsn++) {
      q.peek(0);
      const { chunk } = q.nextChunk(tsn, 16);
      if (chunk.streamId !== 0) continue;
      expect(tsn - last).toBeLessThanOrEqual(65_537);
      last = tsn;
      lowFragments++;
    }
    expect(lowFragments).toBeGreaterThanOrEqual(3);
  });

  it("no starvation: a very-low channel among 100 high ones gets its share (128 / 102,528) of 30,000 fragments", () => {
    const weights = [128, ...Array.from({ length: 100 }, () => 1024)];
    const q = queue(weights, true);
    for (const id of weights.keys()) q.enqueue(message(id, 400 * 1000));
    const bytes = weights.map(() => 0);
    for (let tsn = 0; tsn < 30_000; tsn++) {
      q.peek(0);
      const { chunk } = q.nextChunk(tsn, 1000);
      bytes[chunk.streamId]! += chunk.userData.length;
    }
    checkFairness(bytes, weights, 1000);
    // 30,000 × 128 / 102,528 = 37.5 fragments, give or take one.
    expect(bytes[0]! / 1000).toBeGreaterThanOrEqual(36);
    expect(bytes[0]! / 1000).toBeLessThanOrEqual(39);
  });

  it("a stream that empties and refills keeps no credit: it cannot jump ahead of its share", () => {
    const q = queue([256, 256], true);
    q.enqueue(message(0, 1_000_000));
    const bytes = [0, 0];
    // Stream 1 always has just one 1000-byte message, refilled as soon as it is cut.
    q.enqueue(message(1, 1000));
    for (let tsn = 0; tsn < 1000; tsn++) {
      q.peek(0);
      const { chunk } = q.nextChunk(tsn, 1000);
      bytes[chunk.streamId]! += chunk.userData.length;
      if (chunk.streamId === 1) q.enqueue(message(1, 1000));
    }
    expect(Math.abs(bytes[0]! - bytes[1]!)).toBeLessThanOrEqual(2000);
  });

  it("a weight changed while backlogged applies from the next fragment", () => {
    const q = queue([256, 256], true);
    q.enqueue(message(0, 1_000_000));
    q.enqueue(message(1, 1_000_000));
    const count = (n: number) => {
      const c = [0, 0];
      for (let i = 0; i < n; i++) {
        q.peek(0);
        c[q.nextChunk(i, 100).chunk.streamId]!++;
      }
      return c;
    };
    expect(count(1000)).toEqual([500, 500]);
    q.setWeight(1, 768);
    const [a, b] = count(4000);
    expect(Math.abs(b! - 3 * a!)).toBeLessThanOrEqual(4);
    expect(q.weight(1)).toBe(768);
    expect(q.weight(7)).toBe(256);
  });

  it("property: random weights, sizes, modes and fragment sizes: every message cut exactly once, in order per stream", () => {
    const arb = fc.record({
      interleaving: fc.boolean(),
      maxPayload: fc.integer({ min: 16, max: 1200 }),
      weights: fc.array(fc.integer({ min: 1, max: 65535 }), { minLength: 1, maxLength: 8 }),
      messages: fc.array(
        fc.record({ stream: fc.nat(7), size: fc.integer({ min: 1, max: 3000 }), unordered: fc.boolean() }),
        { minLength: 1, maxLength: 60 },
      ),
    });
    fc.assert(
      fc.property(arb, ({ interleaving, maxPayload, weights, messages }) => {
        const q = new SendQueue(() => {});
        q.setInterleaving(interleaving);
        for (const [id, w] of weights.entries()) q.setWeight(id, w);
        const sent = messages.map((m, i) => {
          const out = message(m.stream, m.size, m.unordered, i & 0xff);
          q.enqueue(out);
          return out;
        });
        const chunks: UserDataChunk[] = [];
        for (let tsn = 0; q.peek(0); tsn++) {
          if (tsn > 200_000) throw new Error("queue never empties");
          chunks.push(q.nextChunk(tsn, maxPayload).chunk);
        }
        expect(q.isEmpty).toBe(true);
        expect(q.totalBytes).toBe(0);
        // Reassemble per stream and sequence number space; DATA never interleaves messages.
        const partial = new Map<string, number[]>();
        const done: { stream: number; seq: number; unordered: boolean; bytes: number[] }[] = [];
        let open: string | undefined;
        for (const c of chunks) {
          const seq = c.type === ChunkType.IData ? c.mid : c.ssn;
          const key = `${c.streamId}/${c.unordered}/${seq}`;
          if (!interleaving && open !== undefined) expect(key).toBe(open);
          if (c.beginning) {
            expect(partial.has(key)).toBe(false);
            partial.set(key, []);
          }
          const bytes = partial.get(key)!;
          bytes.push(...c.userData);
          open = c.ending ? undefined : key;
          if (c.ending) {
            partial.delete(key);
            done.push({ stream: c.streamId, seq, unordered: c.unordered, bytes });
          }
        }
        expect(partial.size).toBe(0);
        expect(done.length).toBe(sent.length);
        // Per stream, ordered messages leave in send order with consecutive sequence numbers.
        for (let id = 0; id < 8; id++) {
          const want = sent.filter((m) => m.streamId === id && !m.unordered);
          const got = done.filter((d) => d.stream === id && !d.unordered);
          expect(got.map((d) => d.seq)).toEqual(want.map((_, k) => k));
          got.forEach((d, k) => {
            expect(d.bytes.length).toBe(want[k]!.data.length);
            expect(d.bytes.every((b) => b === want[k]!.data[0])).toBe(true);
          });
          const wantU = sent.filter((m) => m.streamId === id && m.unordered).map((m) => m.data.length);
          const gotU = done.filter((d) => d.stream === id && d.unordered).map((d) => d.bytes.length);
          expect(gotU.sort()).toEqual(wantU.sort());
        }
      }),
      runs(300),
    );
  });

  it("property: while all streams are backlogged, bytes stay within the fairness bound of random weights", () => {
    const arb = fc.record({
      interleaving: fc.boolean(),
      weights: fc.array(fc.integer({ min: 1, max: 65535 }), { minLength: 2, maxLength: 6 }),
      size: fc.integer({ min: 100, max: 2000 }),
    });
    fc.assert(
      fc.property(arb, ({ interleaving, weights, size }) => {
        const q = queue(weights, interleaving);
        // Each stream gets enough messages that none runs dry within 2000 fragments.
        weights.forEach((_, id) => {
          for (let k = 0; k < 2000; k++) q.enqueue(message(id, size));
        });
        const bytes = weights.map(() => 0);
        const unit = interleaving ? Math.min(size, 500) : size;
        for (let tsn = 0; tsn < 2000; tsn++) {
          q.peek(0);
          const { chunk } = q.nextChunk(tsn, 500);
          bytes[chunk.streamId]! += chunk.userData.length;
          if (interleaving || chunk.ending) checkFairness(bytes, weights, unit);
        }
      }),
      runs(100),
    );
  });
});
