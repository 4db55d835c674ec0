/**
 * The receiving side of DATA (RFC 9260 §6.2, §6.5, §6.9): which TSNs arrived
 * (cumulative TSN, the TSNs above it for gap blocks, duplicates), a receive
 * window bounded in bytes and TSNs, reassembly of fragmented messages,
 * delivery in SSN order per ordered stream and at once for unordered ones,
 * and FORWARD-TSN (RFC 3758 §3.6). With I-DATA (RFC 8260) the TSN side is
 * the same and messages are put together by message-assembler.ts.
 */
import { MessageAssembler } from "./message-assembler.js";
import { ChunkType } from "./packet/constants.js";
import type { DataChunk } from "./packet/data.js";
import type { ForwardTsnChunk } from "./packet/forward-tsn.js";
import type { UserDataChunk } from "./packet/i-data.js";
import type { IForwardTsnChunk } from "./packet/i-forward-tsn.js";
import type { GapAckBlock } from "./packet/sack.js";
import type { ReceiverSink } from "./receiver-sink.js";
import { ssnLt, ssnNext, tsnAdd, tsnDiff, tsnLt, tsnLte } from "./tsn.js";

/** Bytes a chunk costs in the receive window beyond its data (its header): a flood of tiny chunks stays bounded. */
const CHUNK_OVERHEAD = 16;
/** TSNs above the cumulative one we accept at most (beyond: out of window, dropped). */
export const MAX_TSN_WINDOW = 16384;
/** Duplicate TSNs reported per SACK at most. */
const MAX_DUPS = 32;
/** Gap blocks per SACK at most. */
const MAX_GAPS = 64;

/** A message being put together: fragments with the same SSN (ordered) or contiguous TSNs (unordered). */
interface Assembly {
  chunks: DataChunk[];
  bytes: number;
  firstTsn: number;
  lastTsn: number;
  hasB: boolean;
  hasE: boolean;
}

interface InStream {
  nextSsn: number;
  pending: Map<number, Assembly>;
}

export type ReceiveResult = "new" | "duplicate" | "dropped";

export class DataReceiver {
  /** Peer's cumulative TSN: every TSN up to it was received. */
  cumTsn: number;
  /** Sorted TSNs received above cumTsn. */
  private above: number[] = [];
  private dups: number[] = [];
  private bufferedBytes = 0;
  private readonly streams = new Map<number, InStream>();
  private readonly unordered = new Map<number, DataChunk>();
  /** I-DATA messages (made on the first I-DATA chunk). */
  private assembler: MessageAssembler | undefined;

  constructor(
    peerInitialTsn: number,
    private readonly window: number,
    private readonly maxMessageSize: number,
    private readonly sink: ReceiverSink,
  ) {
    this.cumTsn = tsnAdd(peerInitialTsn, -1);
  }

  /** Our a_rwnd (RFC 9260 §6.2). */
  get aRwnd(): number {
    return Math.max(0, this.window - this.held);
  }

  /** Window bytes held, DATA and I-DATA. */
  private get held(): number {
    return this.bufferedBytes + (this.assembler?.bytes ?? 0);
  }

  /** True when a TSN is missing below one received (a gap: SACK at once). */
  get hasGaps(): boolean {
    return this.above.length > 0;
  }

  get hasDuplicates(): boolean {
    return this.dups.length > 0;
  }

  receive(c: UserDataChunk): ReceiveResult {
    const d = tsnDiff(c.tsn, this.cumTsn);
    if (d <= 0 || this.isAbove(c.tsn)) {
      if (this.dups.length < MAX_DUPS) this.dups.push(c.tsn);
      return "duplicate";
    }
    if (d > MAX_TSN_WINDOW) return "dropped";
    const cost = c.userData.length + CHUNK_OVERHEAD;
    // Full window: only the TSN that fills the hole gets in (it frees the rest).
    if (d !== 1 && this.held + cost > this.window) return "dropped";
    if (d === 1 && this.above.length === 0) this.cumTsn = c.tsn;
    else this.insertAbove(c.tsn);
    if (c.type === ChunkType.IData) this.messages().receive(c, cost);
    else if (c.unordered) this.receiveUnordered(c, cost);
    else this.receiveOrdered(c, cost);
    return "new";
  }

  private messages(): MessageAssembler {
    this.assembler ??= new MessageAssembler(
      this.sink,
      this.maxMessageSize,
      this.window,
      MAX_TSN_WINDOW,
      CHUNK_OVERHEAD,
    );
    return this.assembler;
  }

  private isAbove(tsn: number): boolean {
    const a = this.above;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const v = a[mid]!;
      if (v === tsn) return true;
      if (tsnLt(v, tsn)) lo = mid + 1;
      else hi = mid;
    }
    return false;
  }

  private insertAbove(tsn: number): void {
    const a = this.above;
    let i = a.length;
    while (i > 0 && tsnLt(tsn, a[i - 1]!)) i--;
    a.splice(i, 0, tsn);
    this.advanceCum();
  }

  private advanceCum(): void {
    const a = this.above;
    let k = 0;
    while (k < a.length && a[k] === tsnAdd(this.cumTsn, 1)) this.cumTsn = a[k++]!;
    if (k > 0) a.splice(0, k);
  }

  private stream(id: number): InStream {
    let s = this.streams.get(id);
    if (!s) {
      s = { nextSsn: 0, pending: new Map() };
      this.streams.set(id, s);
    }
    return s;
  }

  private receiveOrdered(c: DataChunk, cost: number): void {
    const s = this.stream(c.streamId);
    if (ssnLt(c.ssn, s.nextSsn)) return; // a message already skipped by FORWARD-TSN
    if (c.beginning && c.ending && c.ssn === s.nextSsn) {
      s.nextSsn = ssnNext(s.nextSsn);
      this.sink.deliver(c.streamId, c.ppid, c.userData.slice());
      if (s.pending.size > 0) this.deliverOrdered(c.streamId, s);
      return;
    }
    let a = s.pending.get(c.ssn);
    if (!a) {
      a = { chunks: [], bytes: 0, firstTsn: c.tsn, lastTsn: c.tsn, hasB: false, hasE: false };
      s.pending.set(c.ssn, a);
    }
    this.addTo(a, c, cost);
    if (a.bytes > this.maxMessageSize) {
      this.sink.tooBig(c.streamId);
      return;
    }
    this.deliverOrdered(c.streamId, s);
  }

  private addTo(a: Assembly, c: DataChunk, cost: number): void {
    a.chunks.push(c);
    a.bytes += c.userData.length;
    this.bufferedBytes += cost;
    if (c.beginning) {
      a.hasB = true;
      a.firstTsn = c.tsn;
    }
    if (c.ending) {
      a.hasE = true;
      a.lastTsn = c.tsn;
    }
  }

  private static complete(a: Assembly): boolean {
    return a.hasB && a.hasE && tsnDiff(a.lastTsn, a.firstTsn) + 1 === a.chunks.length;
  }

  private deliverOrdered(streamId: number, s: InStream): void {
    for (;;) {
      const a = s.pending.get(s.nextSsn);
      if (!a || !DataReceiver.complete(a)) return;
      s.pending.delete(s.nextSsn);
      s.nextSsn = ssnNext(s.nextSsn);
      this.release(a);
      this.sink.deliver(streamId, a.chunks[0]!.ppid, DataReceiver.join(a));
    }
  }

  private release(a: Assembly): void {
    this.bufferedBytes -= a.bytes + CHUNK_OVERHEAD * a.chunks.length;
  }

  private static join(a: Assembly): Uint8Array {
    a.chunks.sort((x, y) => tsnDiff(x.tsn, y.tsn));
    const out = new Uint8Array(a.bytes);
    let o = 0;
    for (const c of a.chunks) {
      out.set(c.userData, o);
      o += c.userData.length;
    }
    return out;
  }

  private receiveUnordered(c: DataChunk, cost: number): void {
    if (c.beginning && c.ending) {
      this.sink.deliver(c.streamId, c.ppid, c.userData.slice());
      return;
    }
    this.unordered.set(c.tsn, c);
    this.bufferedBytes += cost;
    // Walk to the first and last fragment around it; complete when B..E are all here.
    let first = c;
    let bytes = c.userData.length;
    while (!first.beginning) {
      const prev = this.unordered.get(tsnAdd(first.tsn, -1));
      if (!prev || prev.ending) return;
      first = prev;
      bytes += prev.userData.length;
    }
    let last = c;
    while (!last.ending) {
      const next = this.unordered.get(tsnAdd(last.tsn, 1));
      if (!next || next.beginning) return;
      last = next;
      bytes += next.userData.length;
    }
    if (bytes > this.maxMessageSize) {
      this.sink.tooBig(c.streamId);
      return;
    }
    const out = new Uint8Array(bytes);
    let o = 0;
    for (let t = first.tsn; ; t = tsnAdd(t, 1)) {
      const f = this.unordered.get(t)!;
      out.set(f.userData, o);
      o += f.userData.length;
      this.unordered.delete(t);
      this.bufferedBytes -= f.userData.length + CHUNK_OVERHEAD;
      if (t === last.tsn) break;
    }
    this.sink.deliver(c.streamId, c.ppid, out);
  }

  /** FORWARD-TSN (RFC 3758 §3.6) or I-FORWARD-TSN (RFC 8260 §2.3.1): skip abandoned TSNs and messages. */
  forward(f: ForwardTsnChunk | IForwardTsnChunk): void {
    if (!tsnLt(this.cumTsn, f.newCumulativeTsn)) return;
    if (tsnDiff(f.newCumulativeTsn, this.cumTsn) > MAX_TSN_WINDOW) return; // out of window: ignore
    this.cumTsn = f.newCumulativeTsn;
    let k = 0;
    while (k < this.above.length && tsnLte(this.above[k]!, this.cumTsn)) k++;
    if (k > 0) this.above.splice(0, k);
    this.advanceCum();
    if (f.type === ChunkType.IForwardTsn) {
      this.messages().forward(f.streams);
      return;
    }
    for (const [tsn, c] of this.unordered) {
      if (tsnLte(tsn, this.cumTsn)) {
        this.unordered.delete(tsn);
        this.bufferedBytes -= c.userData.length + CHUNK_OVERHEAD;
      }
    }
    for (const { streamId, ssn } of f.streams) {
      const s = this.streams.get(streamId);
      if (!s) {
        this.stream(streamId).nextSsn = ssnNext(ssn);
        continue;
      }
      for (const [k2, a] of s.pending) {
        if (!ssnLt(ssn, k2)) {
          s.pending.delete(k2);
          this.release(a);
        }
      }
      if (!ssnLt(ssnNext(ssn), s.nextSsn)) s.nextSsn = ssnNext(ssn);
      this.deliverOrdered(streamId, s);
    }
  }

  /** Incoming SSN reset (RFC 6525 §5.2.2): these streams (all if empty) start again at SSN 0. */
  resetStreams(streamIds: readonly number[]): void {
    this.assembler?.resetStreams(streamIds);
    const ids = streamIds.length > 0 ? streamIds : [...this.streams.keys()];
    for (const id of ids) {
      const s = this.streams.get(id);
      if (!s) continue;
      for (const a of s.pending.values()) this.release(a);
      s.pending.clear();
      s.nextSsn = 0;
    }
  }

  /** Gap blocks for a SACK, as offsets from the cumulative TSN. */
  gapBlocks(): GapAckBlock[] {
    const out: GapAckBlock[] = [];
    const a = this.above;
    let i = 0;
    while (i < a.length && out.length < MAX_GAPS) {
      const start = tsnDiff(a[i]!, this.cumTsn);
      let end = start;
      while (i + 1 < a.length && a[i + 1] === tsnAdd(a[i]!, 1)) {
        i++;
        end++;
      }
      out.push({ start, end });
      i++;
    }
    return out;
  }

  /** Duplicate TSNs seen since the last call. */
  takeDuplicates(): number[] {
    const d = this.dups;
    this.dups = [];
    return d;
  }
}
