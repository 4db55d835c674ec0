import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChunkType } from "./packet/constants.js";
import type { DataChunk } from "./packet/data.js";
import type { ForwardTsnStream } from "./packet/forward-tsn.js";
import {
  anyChunkFields,
  expectHonestDelivery,
  forwardPlace,
  honestRun,
  recordingReceiver as receiver,
  shuffleAndRepeat,
} from "./reassembly.test-helper.js";

function data(c: Partial<DataChunk> & { tsn: number }): DataChunk {
  return {
    type: ChunkType.Data,
    streamId: 0,
    ssn: 0,
    ppid: 51,
    userData: Uint8Array.of(0),
    unordered: false,
    beginning: true,
    ending: true,
    immediate: false,
    ...c,
  };
}

const text = (d: Uint8Array) => new TextDecoder().decode(d);
const bytes = (s: string) => new TextEncoder().encode(s);

describe("DATA reassembly (RFC 9260 §6.5, §6.9)", () => {
  it("fragments on two streams, out of order: each message whole, in SSN order per stream", () => {
    const { r, delivered } = receiver();
    // Stream 1: SSN 0 "ab" (TSN 1000-1001), SSN 1 "c" (1004); stream 2: SSN 0 "xyz" (1002-1003 and 1005).
    const chunks = [
      data({ tsn: 1000, streamId: 1, ssn: 0, userData: bytes("a"), ending: false }),
      data({ tsn: 1001, streamId: 1, ssn: 0, userData: bytes("b"), beginning: false }),
      data({ tsn: 1002, streamId: 2, ssn: 0, userData: bytes("x"), ending: false }),
      data({ tsn: 1003, streamId: 2, ssn: 0, userData: bytes("y"), beginning: false, ending: false }),
      data({ tsn: 1004, streamId: 2, ssn: 0, userData: bytes("z"), beginning: false }),
      data({ tsn: 1005, streamId: 1, ssn: 1, userData: bytes("c") }),
    ];
    for (const i of [5, 4, 1, 2, 3, 0]) r.receive(chunks[i]!);
    expect(delivered.map((d) => [d.streamId, text(d.data)])).toEqual([
      [2, "xyz"],
      [1, "ab"],
      [1, "c"],
    ]);
    expect(r.cumTsn).toBe(1005);
  });

  it("unordered fragments are delivered once whole, whatever waits on ordered streams", () => {
    const { r, delivered } = receiver();
    r.receive(data({ tsn: 1000, ssn: 0, userData: bytes("o"), ending: false })); // ordered, waits for its end
    r.receive(data({ tsn: 1003, unordered: true, userData: bytes("v"), beginning: false }));
    r.receive(data({ tsn: 1001, unordered: true, userData: bytes("t"), ending: false }));
    expect(delivered).toHaveLength(0);
    r.receive(data({ tsn: 1002, unordered: true, userData: bytes("u"), beginning: false, ending: false }));
    expect(delivered.map((d) => text(d.data))).toEqual(["tuv"]);
  });

  it("FORWARD-TSN drops partial messages up to each SSN, ordered and unordered, and frees their window", () => {
    const { r, delivered, held } = receiver();
    r.receive(data({ tsn: 1000, ssn: 0, ending: false, userData: new Uint8Array(500) }));
    r.receive(data({ tsn: 1002, unordered: true, ending: false, userData: new Uint8Array(500) }));
    r.receive(data({ tsn: 1004, ssn: 1, userData: bytes("next") })); // waits for SSN 0
    expect(held()).toBeGreaterThan(1000);
    r.forward({ type: ChunkType.ForwardTsn, newCumulativeTsn: 1003, streams: [{ streamId: 0, ssn: 0 }] });
    expect(delivered.map((d) => text(d.data))).toEqual(["next"]);
    expect(held()).toBe(0);
    expect(r.cumTsn).toBe(1004);
  });

  it("FORWARD-TSN keeps what goes on past it: an unordered message's first fragments, fragments above it", () => {
    const { r, delivered } = receiver();
    // TSN 1000 abandoned; 1001-1002 the start of an unordered message whose end (1003) is still to come.
    r.receive(data({ tsn: 1001, unordered: true, userData: bytes("a"), ending: false }));
    r.receive(data({ tsn: 1002, unordered: true, userData: bytes("b"), beginning: false, ending: false }));
    r.receive(data({ tsn: 1005, unordered: true, userData: bytes("x"), beginning: false, ending: false }));
    r.forward({ type: ChunkType.ForwardTsn, newCumulativeTsn: 1002, streams: [] });
    r.receive(data({ tsn: 1003, unordered: true, userData: bytes("c"), beginning: false }));
    r.receive(data({ tsn: 1004, unordered: true, userData: bytes("w"), ending: false }));
    r.receive(data({ tsn: 1006, unordered: true, userData: bytes("y"), beginning: false }));
    expect(delivered.map((d) => text(d.data))).toEqual(["abc", "wxy"]);
  });

  it("FORWARD-TSN delivers the whole ordered messages it strands, in order, and drops the partial ones", () => {
    const { r, delivered, held } = receiver();
    // SSN 0 lost (abandoned), SSN 1 whole but waiting behind it, SSN 2 partial and abandoned, SSN 3 whole.
    r.receive(data({ tsn: 1001, ssn: 1, userData: bytes("one") }));
    r.receive(data({ tsn: 1002, ssn: 2, userData: bytes("tw"), ending: false }));
    r.receive(data({ tsn: 1004, ssn: 3, userData: bytes("three") }));
    r.forward({ type: ChunkType.ForwardTsn, newCumulativeTsn: 1003, streams: [{ streamId: 0, ssn: 2 }] });
    expect(delivered.map((d) => text(d.data))).toEqual(["one", "three"]);
    expect(held()).toBe(0);
  });

  it("an incoming stream reset starts the stream's SSNs again at 0 and frees what it held", () => {
    const { r, delivered, held } = receiver();
    r.receive(data({ tsn: 1000, ssn: 0, userData: bytes("a") }));
    r.receive(data({ tsn: 1001, ssn: 2, userData: bytes("c") })); // waits for SSN 1
    r.resetStreams([0]);
    expect(held()).toBe(0);
    r.receive(data({ tsn: 1002, ssn: 0, userData: bytes("a2") }));
    expect(delivered.map((d) => text(d.data))).toEqual(["a", "a2"]);
  });

  it("a message larger than the maximum is reported (the association ends), not buffered on", () => {
    const { r, violations } = receiver(64 * 1024, 1000);
    r.receive(data({ tsn: 1000, ending: false, userData: new Uint8Array(600) }));
    r.receive(data({ tsn: 1001, beginning: false, ending: false, userData: new Uint8Array(600) }));
    expect(violations).toEqual(["too big on 0"]);
  });

  it("TSNs in order that complete nothing (a peer ignoring a_rwnd) stop at twice the window", () => {
    const window = 64 * 1024;
    const { r, held } = receiver(window, 16 * 1024);
    // Each a first fragment of a new SSN: no message ever completes.
    for (let i = 0; i < 1000; i++)
      r.receive(data({ tsn: 1000 + i, ssn: i, ending: false, userData: new Uint8Array(1000) }));
    expect(held()).toBeGreaterThan(window);
    expect(held()).toBeLessThanOrEqual(2 * window);
  });

  it("property: any sequence of DATA chunks and FORWARD-TSNs never throws and stays within twice the window", () => {
    const chunk = fc.record({
      ...anyChunkFields,
      ssn: fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 0xffff })),
      forward: fc.option(fc.integer({ min: 0, max: 0xffff }), { freq: 8 }),
    });
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 80 }), (list) => {
        const window = 20_000;
        const { r, held } = receiver(window, 8000);
        for (const c of list) {
          const tsn = (r.cumTsn + c.tsnOffset) >>> 0;
          if (c.forward !== null)
            r.forward({
              type: ChunkType.ForwardTsn,
              newCumulativeTsn: tsn,
              streams: [{ streamId: c.streamId, ssn: c.forward }],
            });
          else
            r.receive(
              data({
                tsn,
                streamId: c.streamId,
                ssn: c.ssn,
                userData: new Uint8Array(c.size),
                unordered: c.unordered,
                beginning: c.beginning,
                ending: c.ending,
              }),
            );
          expect(held()).toBeGreaterThanOrEqual(0);
          expect(held()).toBeLessThanOrEqual(2 * window);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("property: honest fragments in any order, some twice, some lost then skipped by FORWARD-TSN: every message kept once, whole, ordered ones in SSN order", () => {
    fc.assert(
      fc.property(
        honestRun(true),
        fc.nat(),
        fc.integer({ min: 0, max: 0xffffffff }),
        ({ messages, shuffle, repeats }, forwardAt, firstTsn) => {
          const window = 1 << 20;
          const { r, delivered, violations, held } = receiver(window, 1 << 16, firstTsn);
          // Streams 0-2 start at SSN 0xfff0 (skipped to by a first FORWARD-TSN): SSNs wrap at 2^16.
          r.forward({
            type: ChunkType.ForwardTsn,
            newCumulativeTsn: firstTsn,
            streams: [0, 1, 2].map((streamId) => ({ streamId, ssn: 0xffef })),
          });
          const ssns = new Map<number, number>();
          const chunks: DataChunk[] = [];
          let tsn = firstTsn + 1;
          /** The FORWARD-TSN: past the last abandoned message, the largest abandoned SSN per stream. */
          let newCum: number | undefined;
          const skipped = new Map<number, number>();
          messages.forEach((m, i) => {
            const ssn = m.unordered ? 0 : (ssns.get(m.streamId) ?? 0xfff0);
            if (!m.unordered) ssns.set(m.streamId, (ssn + 1) & 0xffff);
            const lost = new Set((m.lost ?? []).map((k) => k % m.cuts.length));
            m.cuts.forEach((n, k) => {
              const c = data({
                tsn: tsn >>> 0,
                streamId: m.streamId,
                ssn,
                ppid: 50 + i,
                userData: new Uint8Array(n).fill(i),
                unordered: m.unordered,
                beginning: k === 0,
                ending: k === m.cuts.length - 1,
              });
              tsn++;
              if (!lost.has(k)) chunks.push(c);
            });
            if (m.lost) {
              newCum = (tsn - 1) >>> 0;
              if (!m.unordered) skipped.set(m.streamId, ssn);
            }
          });
          shuffleAndRepeat(chunks, shuffle, repeats);
          const at = newCum === undefined ? -1 : forwardPlace(chunks, newCum, forwardAt);
          const streams: ForwardTsnStream[] = [...skipped].map(([streamId, ssn]) => ({ streamId, ssn }));
          chunks.forEach((c, i) => {
            if (i === at && newCum !== undefined)
              r.forward({ type: ChunkType.ForwardTsn, newCumulativeTsn: newCum, streams });
            r.receive(c);
          });
          if (at === chunks.length && newCum !== undefined)
            r.forward({ type: ChunkType.ForwardTsn, newCumulativeTsn: newCum, streams });
          expect(violations).toEqual([]);
          expectHonestDelivery(messages, delivered);
          // And with its own PPID.
          for (const d of delivered) expect(d.ppid).toBe(50 + d.data[0]!);
          expect(held()).toBe(0);
          expect(r.cumTsn).toBe((tsn - 1) >>> 0);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
