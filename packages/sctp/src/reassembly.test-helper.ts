import fc from "fast-check";
import { expect } from "vitest";
import { ChunkType } from "./packet/constants.js";
import type { IDataChunk } from "./packet/i-data.js";
import type { IForwardTsnStream } from "./packet/i-forward-tsn.js";
import { DataReceiver, MAX_TSN_WINDOW } from "./reassembly.js";

/**
 * The pieces the DATA and I-DATA reassembly tests share (data-assembler,
 * message-assembler, message-assembler-loss): a receiver that records what it
 * delivers, the honest-sender arbitrary, the shuffle that reorders its chunks
 * and the checks on what came out.
 */

/** What a {@link recordingReceiver} delivered. */
export interface Delivered {
  streamId: number;
  ppid: number;
  data: Uint8Array;
}

/** A receiver recording what it delivers and the violations it reports. */
export function recordingReceiver(window = 64 * 1024, maxMessageSize = 16 * 1024, firstTsn = 1000) {
  const delivered: Delivered[] = [];
  const violations: string[] = [];
  const r = new DataReceiver(firstTsn, window, maxMessageSize, {
    deliver: (streamId, ppid, data) => delivered.push({ streamId, ppid, data }),
    tooBig: (streamId) => violations.push(`too big on ${streamId}`),
    violation: (reason) => violations.push(reason),
  });
  /** Window bytes held (aRwnd stops at 0). */
  const held = () => (r as unknown as { held: number }).held;
  return { r, delivered, violations, held };
}

/**
 * The fields a random DATA or I-DATA chunk of the "any sequence" properties
 * shares: a TSN around the receiver's window, a stream, a size and the flags.
 */
export const anyChunkFields = {
  tsnOffset: fc.integer({ min: -4, max: MAX_TSN_WINDOW + 4 }),
  streamId: fc.integer({ min: 0, max: 3 }),
  size: fc.integer({ min: 1, max: 3000 }),
  unordered: fc.boolean(),
  beginning: fc.boolean(),
  ending: fc.boolean(),
};

/**
 * A message an honest sender fragments: its stream, ordered or not, and the
 * sizes of its fragments; with `lossy`, the fragments (by index) the sender
 * abandoned, which never arrive.
 */
export function honestMessage(lossy: boolean) {
  return fc.record({
    streamId: fc.integer({ min: 0, max: 2 }),
    unordered: fc.boolean(),
    cuts: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 4 }),
    lost: lossy
      ? fc.option(fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), { freq: 4 })
      : fc.constant(null),
  });
}

/** One value of {@link honestMessage}. */
export type HonestMessage = ReturnType<typeof honestMessage> extends fc.Arbitrary<infer M> ? M : never;

/**
 * What an honest run gets: 1 to 30 messages, and the random lists that
 * shuffle their chunks and pick some to send twice ({@link shuffleAndRepeat}).
 */
export function honestRun(lossy: boolean) {
  return fc.record({
    messages: fc.array(honestMessage(lossy), { minLength: 1, maxLength: 30 }),
    shuffle: fc.array(fc.nat(), { maxLength: 200 }),
    repeats: fc.array(fc.nat(), { maxLength: 10 }),
  });
}

/**
 * The I-DATA an honest sender sends for `messages` from TSN `firstTsn` (MIDs
 * counted per stream and U bit; every byte of message i is i), without the
 * fragments it abandoned; and the I-FORWARD-TSN that skips them (RFC 8260
 * §2.3.1): past the last abandoned message, the largest abandoned MID per
 * stream and U bit.
 */
export function honestIData(messages: readonly HonestMessage[], firstTsn = 1000) {
  const mids = new Map<string, number>();
  const chunks: IDataChunk[] = [];
  let tsn = firstTsn;
  let newCum: number | undefined;
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
  return { chunks, lastTsn: tsn - 1, newCum, streams: [...skipped.values()] };
}

/**
 * Permutes `chunks` in place (Fisher-Yates driven by the random list
 * `shuffle`), then appends the ones `repeats` picks again.
 */
export function shuffleAndRepeat<T>(chunks: T[], shuffle: number[], repeats: number[]): void {
  for (let i = chunks.length - 1; i > 0; i--) {
    const j = (shuffle[i % Math.max(1, shuffle.length)] ?? 0) % (i + 1);
    [chunks[i], chunks[j]] = [chunks[j]!, chunks[i]!];
  }
  for (const k of repeats) if (chunks.length > 0) chunks.push(chunks[k % chunks.length]!);
}

/**
 * Where in `chunks` an honest FORWARD-TSN (or I-FORWARD-TSN) to `newCum`
 * goes: no earlier than after every chunk up to it that was not abandoned
 * (serial arithmetic, RFC 1982), at the place `pick` chooses from there on;
 * `chunks.length` means after the last.
 */
export function forwardPlace(chunks: readonly { tsn: number }[], newCum: number, pick: number): number {
  let earliest = 0;
  chunks.forEach((c, i) => {
    if (((c.tsn - newCum) | 0) <= 0) earliest = i + 1;
  });
  return earliest + (pick % (chunks.length - earliest + 1));
}

/**
 * Honest messages came out right: each at most once and whole (every byte of
 * message i is i), on its stream; each one not lost delivered; per stream, the
 * ordered ones in the order they were sent.
 */
export function expectHonestDelivery(
  messages: readonly HonestMessage[],
  delivered: readonly Delivered[],
): void {
  const got = delivered.map((d) => d.data[0]!);
  expect(new Set(got).size).toBe(got.length);
  for (const d of delivered) {
    const i = d.data[0]!;
    const m = messages[i]!;
    expect(d.data.length).toBe(m.cuts.reduce((a, b) => a + b, 0));
    expect(d.data.every((b) => b === i)).toBe(true);
    expect(d.streamId).toBe(m.streamId);
  }
  for (const [i, m] of messages.entries()) if (!m.lost) expect(got).toContain(i);
  for (const id of [0, 1, 2]) {
    const order = got.filter((i) => messages[i]!.streamId === id && !messages[i]!.unordered);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  }
}
