import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { honestMessage } from "./honest-messages.test-helper.js";
import { ChunkType } from "./packet/constants.js";
import type { IDataChunk } from "./packet/i-data.js";
import type { IForwardTsnStream } from "./packet/i-forward-tsn.js";
import { DataReceiver } from "./reassembly.js";

describe("I-DATA reassembly with abandoned messages (RFC 8260 §2.3.1)", () => {
  it("property: honest fragments in any order, some twice, some lost then skipped by I-FORWARD-TSN: every message kept once, whole, ordered ones in MID order", () => {
    const message = honestMessage(true);
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 200 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.nat(),
        (messages, shuffle, repeats, forwardAt) => {
          const delivered: { streamId: number; data: Uint8Array }[] = [];
          const violations: string[] = [];
          const window = 1 << 20;
          const r = new DataReceiver(1000, window, 1 << 16, {
            deliver: (streamId, _ppid, data) => delivered.push({ streamId, data }),
            tooBig: (streamId) => violations.push(`too big on ${streamId}`),
            violation: (reason) => violations.push(reason),
          });
          const mids = new Map<string, number>();
          const chunks: IDataChunk[] = [];
          let tsn = 1000;
          let newCum: number | undefined;
          /** The I-FORWARD-TSN's entries: the largest abandoned MID per stream and U bit. */
          const skipped = new Map<string, IForwardTsnStream>();
          messages.forEach((m, i) => {
            const key = `${m.streamId}/${m.unordered}`;
            const mid = mids.get(key) ?? 0;
            mids.set(key, mid + 1);
            const lost = new Set((m.lost ?? []).map((k) => k % m.cuts.length));
            m.cuts.forEach((n, fsn) => {
              const c: IDataChunk = {
                type: ChunkType.IData,
                tsn: tsn++,
                streamId: m.streamId,
                mid,
                fsn,
                ppid: fsn === 0 ? 51 : 0,
                userData: new Uint8Array(n).fill(i),
                unordered: m.unordered,
                beginning: fsn === 0,
                ending: fsn === m.cuts.length - 1,
                immediate: false,
              };
              if (!lost.has(fsn)) chunks.push(c);
            });
            if (m.lost) {
              newCum = tsn - 1;
              skipped.set(key, { streamId: m.streamId, unordered: m.unordered, mid });
            }
          });
          for (let i = chunks.length - 1; i > 0; i--) {
            const j = (shuffle[i % Math.max(1, shuffle.length)] ?? 0) % (i + 1);
            [chunks[i], chunks[j]] = [chunks[j]!, chunks[i]!];
          }
          for (const k of repeats) if (chunks.length > 0) chunks.push(chunks[k % chunks.length]!);
          // An honest I-FORWARD-TSN comes once every TSN up to it that was not abandoned arrived.
          let earliest = 0;
          if (newCum !== undefined)
            chunks.forEach((c, i) => {
              if (c.tsn <= newCum!) earliest = i + 1;
            });
          const at = earliest + (forwardAt % (chunks.length - earliest + 1));
          const forward = () =>
            r.forward({
              type: ChunkType.IForwardTsn,
              newCumulativeTsn: newCum!,
              streams: [...skipped.values()],
            });
          chunks.forEach((c, i) => {
            if (i === at && newCum !== undefined) forward();
            r.receive(c);
          });
          if (at === chunks.length && newCum !== undefined) forward();
          expect(violations).toEqual([]);
          const got = delivered.map((d) => d.data[0]!);
          expect(new Set(got).size).toBe(got.length);
          for (const d of delivered) {
            const m = messages[d.data[0]!]!;
            expect(d.data.length).toBe(m.cuts.reduce((a, b) => a + b, 0));
            expect(d.data.every((b) => b === d.data[0])).toBe(true);
            expect(d.streamId).toBe(m.streamId);
          }
          for (const [i, m] of messages.entries()) if (!m.lost) expect(got).toContain(i);
          for (const id of [0, 1, 2]) {
            const order = got.filter((i) => messages[i]!.streamId === id && !messages[i]!.unordered);
            expect(order).toEqual([...order].sort((a, b) => a - b));
          }
          expect(r.aRwnd).toBe(window);
          expect(r.cumTsn).toBe(tsn - 1);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
