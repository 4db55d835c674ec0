import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SctpMessageEvent } from "./association-types.js";
import { MemoryLink, openLink } from "./memory-link.test-helper.js";

/**
 * Four streams with the W3C priorities' weights each queue 300 messages of
 * 1000 bytes at once; B counts what arrives per stream until the first
 * stream has everything (up to then all four were backlogged).
 */
async function shares(interleaving: boolean): Promise<number[]> {
  const link = new MemoryLink({}, { interleaving }, { interleaving });
  await openLink(link);
  const weights = [128, 256, 512, 1024];
  for (const [id, w] of weights.entries()) link.a.setStreamPriority(id, w);
  const bytes = [0, 0, 0, 0];
  let finished = false;
  const done = new Promise<void>((resolve) => {
    link.b.addEventListener("message", (e) => {
      const m = e as SctpMessageEvent;
      if (finished) return;
      bytes[m.streamId]! += m.data.length;
      if (bytes[m.streamId] === 300_000) {
        finished = true;
        resolve();
      }
    });
  });
  for (let k = 0; k < 300; k++) for (let id = 0; id < 4; id++) link.a.send(id, 53, new Uint8Array(1000));
  await done;
  await link.close();
  return bytes;
}

describe("stream priorities over an association (RFC 8260 §3.6, RFC 8831 §6.4)", () => {
  for (const interleaving of [true, false])
    it(`${interleaving ? "I-DATA" : "DATA"}: bytes delivered while all are backlogged follow the weights 128:256:512:1024`, async () => {
      const bytes = await shares(interleaving);
      // The highest stream finished first; the others got their weights' share of the same time.
      expect(bytes[3]).toBe(300_000);
      const total = bytes.reduce((a, b) => a + b, 0);
      for (let id = 0; id < 4; id++) {
        const want = [128, 256, 512, 1024][id]! / 1920;
        expect(Math.abs(bytes[id]! / total - want)).toBeLessThan(0.02);
      }
    });

  it("setStreamPriority checks its arguments; streamPriority reads back (256 until set)", async () => {
    const link = new MemoryLink();
    expect(link.a.streamPriority(9)).toBe(256);
    link.a.setStreamPriority(9, 1024);
    expect(link.a.streamPriority(9)).toBe(1024);
    for (const [stream, priority] of [
      [-1, 256],
      [65536, 256],
      [1.5, 256],
      [1, 0],
      [1, 65536],
      [1, 2.5],
      [1, Number.NaN],
    ] as const)
      expect(() => link.a.setStreamPriority(stream, priority)).toThrowError(
        expect.objectContaining({ code: "ERR_INVALID_ARGUMENT" }),
      );
    await link.close();
    expect(() => link.a.setStreamPriority(1, 256)).toThrowError(
      expect.objectContaining({ code: "ERR_CLOSED" }),
    );
  });

  it("property: random weights and messages, with and without I-DATA, over a lossy link: each delivered once, in order per ordered stream", async () => {
    const arb = fc.record({
      interleaving: fc.boolean(),
      seed: fc.nat(),
      weights: fc.array(fc.integer({ min: 1, max: 65535 }), { minLength: 4, maxLength: 4 }),
      messages: fc.array(
        fc.record({ stream: fc.nat(3), size: fc.integer({ min: 1, max: 5000 }), unordered: fc.boolean() }),
        { minLength: 1, maxLength: 40 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(arb, async ({ interleaving, seed, weights, messages }) => {
        const fast = { interleaving, rtoInitial: 50, rtoMin: 50 };
        const link = new MemoryLink({ loss: 0.1, reorder: 0.1, seed }, fast, fast);
        try {
          await openLink(link);
          for (const [id, w] of weights.entries()) link.a.setStreamPriority(id, w);
          const got: { stream: number; index: number; size: number }[] = [];
          const all = new Promise<void>((resolve) => {
            link.b.addEventListener("message", (e) => {
              const m = e as SctpMessageEvent;
              const view = new DataView(m.data.buffer, m.data.byteOffset, m.data.byteLength);
              const index = m.data.length >= 2 ? view.getUint16(0) : m.data[0]!;
              got.push({ stream: m.streamId, index, size: m.data.length });
              if (got.length === messages.length) resolve();
            });
          });
          messages.forEach((m, i) => {
            const data = new Uint8Array(m.size);
            if (m.size >= 2) new DataView(data.buffer).setUint16(0, i);
            else data[0] = i;
            link.a.send(m.stream, 53, data, { unordered: m.unordered });
          });
          await all;
          for (const g of got) expect(g.size).toBe(messages[g.index]!.size);
          expect(new Set(got.map((g) => g.index)).size).toBe(messages.length);
          for (let id = 0; id < 4; id++) {
            const ordered = got
              .filter((g) => g.stream === id && !messages[g.index]!.unordered)
              .map((g) => g.index);
            expect(ordered).toEqual([...ordered].sort((a, b) => a - b));
          }
        } finally {
          await link.close();
        }
      }),
      { numRuns: 25 },
    );
  });
});
