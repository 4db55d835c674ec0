import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChunkType } from "./packet/constants.js";
import type { IDataChunk } from "./packet/i-data.js";
import {
  anyChunkFields,
  expectHonestDelivery,
  honestIData,
  honestRun,
  recordingReceiver,
  shuffleAndRepeat,
} from "./reassembly.test-helper.js";
import { SendQueue } from "./send-queue.js";

/** A receiver of I-DATA recording what it delivers, and `send`, which gives it one I-DATA (TSNs counting up). */
function receiver(window = 64 * 1024, maxMessageSize = 16 * 1024) {
  const recording = recordingReceiver(window, maxMessageSize);
  const { r } = recording;
  let tsn = 1000;
  const send = (c: Partial<IDataChunk> & { mid: number }) =>
    r.receive({
      type: ChunkType.IData,
      tsn: c.tsn ?? tsn++,
      streamId: 0,
      fsn: 0,
      ppid: 51,
      userData: Uint8Array.of(c.mid & 0xff),
      unordered: false,
      beginning: true,
      ending: true,
      immediate: false,
      ...c,
    });
  return { ...recording, send, nextTsn: () => tsn };
}

describe("I-DATA reassembly (RFC 8260 §2.1)", () => {
  it("fragments interleaved across streams, out of order, are put together by (stream, MID) in FSN order", () => {
    const { delivered, send, nextTsn } = receiver();
    const base = nextTsn();
    // Stream 1 MID 0: 3 fragments; stream 2 MID 0: 2 fragments; interleaved by TSN, received in reverse.
    const chunks: IDataChunk[] = [
      [1, 0, "a", true, false],
      [2, 0, "x", true, false],
      [1, 1, "b", false, false],
      [2, 1, "y", false, true],
      [1, 2, "c", false, true],
    ].map(([streamId, fsn, text, b, e], i) => ({
      type: ChunkType.IData,
      tsn: base + i,
      streamId: streamId as number,
      mid: 0,
      fsn: fsn as number,
      ppid: b ? 51 : 0,
      userData: new TextEncoder().encode(text as string),
      unordered: false,
      beginning: b as boolean,
      ending: e as boolean,
      immediate: false,
    }));
    for (const c of chunks.reverse()) send(c);
    expect(delivered.map((d) => [d.streamId, d.ppid, new TextDecoder().decode(d.data)])).toEqual([
      [2, 51, "xy"],
      [1, 51, "abc"],
    ]);
  });

  it("ordered messages are delivered in MID order across the 2^32 wrap; unordered at once", () => {
    const { r, delivered, send, nextTsn } = receiver();
    // Skip stream 0 to MID 0xfffffffd in three I-FORWARD-TSNs (serial arithmetic: each less than 2^31
    // ahead); one that moves no TSN is ignored, so each passes a TSN.
    const skipTsn = nextTsn();
    send({ mid: 0xfffffff0, tsn: skipTsn, unordered: true });
    for (const [i, mid] of [0x50000000, 0xa0000000, 0xfffffffd].entries())
      r.forward({
        type: ChunkType.IForwardTsn,
        newCumulativeTsn: skipTsn + 1 + i,
        streams: [{ streamId: 0, unordered: false, mid }],
      });
    let tsn = skipTsn + 4;
    for (const mid of [1, 0xffffffff, 0, 0xfffffffe]) send({ mid, tsn: tsn++ });
    send({ mid: 7, tsn: tsn++, unordered: true });
    expect(delivered.map((d) => d.data[0])).toEqual([0xf0, 0xfe, 0xff, 0, 1, 7]);
  });

  it("I-FORWARD-TSN drops partial messages up to the MID, ordered and unordered, and frees their window", () => {
    const { r, delivered, send } = receiver();
    const full = r.aRwnd;
    send({ mid: 0, ending: false, userData: new Uint8Array(500) });
    send({ mid: 3, unordered: true, ending: false, userData: new Uint8Array(500) });
    send({ mid: 1 });
    expect(delivered).toHaveLength(0);
    expect(r.aRwnd).toBeLessThan(full - 1000);
    r.forward({
      type: ChunkType.IForwardTsn,
      newCumulativeTsn: r.cumTsn + 5,
      streams: [
        { streamId: 0, unordered: false, mid: 0 },
        { streamId: 0, unordered: true, mid: 3 },
      ],
    });
    expect(delivered.map((d) => d.data[0])).toEqual([1]);
    expect(r.aRwnd).toBe(full);
  });

  it("I-FORWARD-TSN delivers the whole ordered messages it strands, in MID order, and drops the partial ones", () => {
    const { r, delivered, send } = receiver();
    // MID 0 lost (abandoned); MIDs 2 and 1 whole, waiting behind it; MID 3 partial, abandoned; MID 4 whole.
    const first = r.cumTsn + 2;
    send({ mid: 2, tsn: first + 2 });
    send({ mid: 1, tsn: first });
    send({ mid: 3, tsn: first + 3, ending: false, userData: new Uint8Array(300) });
    send({ mid: 4, tsn: first + 5 });
    r.forward({
      type: ChunkType.IForwardTsn,
      newCumulativeTsn: first + 4,
      streams: [{ streamId: 0, unordered: false, mid: 3 }],
    });
    expect(delivered.map((d) => d.data[0])).toEqual([1, 2, 4]);
    expect(r.aRwnd).toBe(64 * 1024);
  });

  it("an incoming stream reset starts the stream's MIDs again at 0", () => {
    const { r, delivered, send } = receiver();
    send({ mid: 0 });
    send({ mid: 2 }); // waits for 1
    r.resetStreams([0]);
    send({ mid: 0 });
    expect(delivered.map((d) => d.data[0])).toEqual([0, 0]);
  });

  it("lies end the association (typed violation), never unbounded buffers", () => {
    const cases: [string, (s: ReturnType<typeof receiver>["send"]) => void][] = [
      ["a MID far ahead", (s) => s({ mid: 0x7fff0000 })],
      ["an FSN past the largest message", (s) => s({ mid: 0, beginning: false, fsn: 1 << 30 })],
      [
        "an FSN twice",
        (s) => {
          s({ mid: 0, beginning: false, ending: false, fsn: 2 });
          s({ mid: 0, beginning: false, ending: false, fsn: 2 });
        },
      ],
      [
        "a fragment after the end",
        (s) => {
          s({ mid: 0, beginning: false, ending: true, fsn: 2 });
          s({ mid: 0, beginning: false, ending: false, fsn: 3 });
        },
      ],
      ["a non-first fragment with FSN 0", (s) => s({ mid: 0, beginning: false, ending: false, fsn: 0 })],
    ];
    for (const [what, run] of cases) {
      const { violations, send, delivered } = receiver();
      run(send);
      expect(violations, what).toHaveLength(1);
      expect(delivered, what).toHaveLength(0);
    }
  });

  it("property: any sequence of I-DATA chunks and I-FORWARD-TSNs never throws and stays within the window", () => {
    const chunk = fc.record({
      ...anyChunkFields,
      mid: fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 0xffffffff })),
      fsn: fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 0xffffffff })),
      forward: fc.option(fc.integer({ min: 0, max: 6 }), { freq: 8 }),
    });
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 60 }), (list) => {
        const window = 20_000;
        const { r, violations } = receiver(window, 8000);
        for (const c of list) {
          const tsn = (r.cumTsn + c.tsnOffset) >>> 0;
          if (c.forward !== null)
            r.forward({
              type: ChunkType.IForwardTsn,
              newCumulativeTsn: tsn,
              streams: [{ streamId: c.streamId, unordered: c.unordered, mid: c.forward }],
            });
          else
            r.receive({
              type: ChunkType.IData,
              tsn,
              streamId: c.streamId,
              mid: c.mid,
              fsn: c.beginning ? 0 : c.fsn,
              ppid: 0,
              userData: new Uint8Array(c.size),
              unordered: c.unordered,
              beginning: c.beginning,
              ending: c.ending,
              immediate: false,
            });
          // Within the window (one chunk may complete a hole past it), or a violation was reported.
          if (violations.length === 0) expect(r.aRwnd).toBeGreaterThanOrEqual(0);
          expect(window - r.aRwnd).toBeLessThanOrEqual(window + 3016);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("property: honest fragments in any order, some twice: every message once, ordered ones in MID order", () => {
    fc.assert(
      fc.property(honestRun(false), ({ messages, shuffle, repeats }) => {
        const { r, delivered, violations } = receiver(1 << 20, 1 << 16);
        const { chunks } = honestIData(messages);
        shuffleAndRepeat(chunks, shuffle, repeats);
        for (const c of chunks) r.receive(c);
        expect(violations).toEqual([]);
        expectHonestDelivery(messages, delivered);
        expect(r.aRwnd).toBe(1 << 20);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("I-DATA sending (RFC 8260 §2.1, §3.1)", () => {
  it("streams take turns one fragment at a time, MIDs count ordered and unordered apart and wrap at 2^32", () => {
    const q = new SendQueue(() => {});
    q.setInterleaving(true);
    const msg = (streamId: number, size: number, unordered = false) => ({
      streamId,
      ppid: 53,
      data: new Uint8Array(size),
      unordered,
      offset: 0,
      ssn: 0,
      fsn: 0,
      maxRetransmits: -1,
      expiresAt: 0,
      abandoned: false,
    });
    q.enqueue(msg(1, 300));
    q.enqueue(msg(1, 100, true));
    q.enqueue(msg(2, 150));
    const cut: string[] = [];
    for (let tsn = 0; q.peek(0); tsn++) {
      const { chunk } = q.nextChunk(tsn, 100);
      if (chunk.type !== ChunkType.IData) throw new Error("DATA cut with interleaving on");
      cut.push(
        `${chunk.streamId}:${chunk.unordered ? "u" : "o"}${chunk.mid}/${chunk.fsn}${chunk.ending ? "E" : ""}`,
      );
    }
    expect(cut).toEqual(["1:o0/0", "2:o0/0", "1:o0/1", "2:o0/1E", "1:o0/2E", "1:u0/0E"]);
    // The MID counter wraps (a stream that sent 2^32 - 1 messages).
    q.resetSsn([3]);
    q.enqueue(msg(3, 1));
    q.peek(0);
    (q as unknown as { streams: Map<number, { nextMid: number }> }).streams.get(3)!.nextMid = 0xffffffff;
    q.enqueue(msg(3, 1));
    const mids: number[] = [];
    for (let tsn = 0; q.peek(0); tsn++) {
      const { chunk } = q.nextChunk(tsn, 100);
      if (chunk.type === ChunkType.IData) mids.push(chunk.mid);
    }
    expect(mids).toEqual([0xffffffff, 0]);
  });

  it("thousands of streams join and leave the round: each is served once, in the order it joined", () => {
    const q = new SendQueue(() => {});
    q.setInterleaving(true);
    const ids = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 65536);
    for (const streamId of ids)
      q.enqueue({
        streamId,
        ppid: 53,
        data: Uint8Array.of(1),
        unordered: false,
        offset: 0,
        ssn: 0,
        fsn: 0,
        maxRetransmits: -1,
        expiresAt: 0,
        abandoned: false,
      });
    const served: number[] = [];
    for (let tsn = 0; q.peek(0); tsn++) served.push(q.nextChunk(tsn, 100).chunk.streamId);
    expect(served).toEqual(ids);
    expect(q.isEmpty).toBe(true);
  });
});
