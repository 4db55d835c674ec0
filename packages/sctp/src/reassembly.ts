/**
 * The receiving side of DATA (RFC 9260 §6.2, §6.5, §6.9): which TSNs arrived
 * (cumulative TSN, the TSNs above it for gap blocks, duplicates), a receive
 * window bounded in bytes and TSNs, reassembly of fragmented messages,
 * and FORWARD-TSN (RFC 3758 §3.6). Messages are put together and delivered
 * by data-assembler.ts (DATA) or message-assembler.ts (I-DATA, RFC 8260).
 */
import { DataAssembler } from "./data-assembler.js";
import { MessageAssembler } from "./message-assembler.js";
import { ChunkType } from "./packet/constants.js";
import type { ForwardTsnChunk } from "./packet/forward-tsn.js";
import type { UserDataChunk } from "./packet/i-data.js";
import type { IForwardTsnChunk } from "./packet/i-forward-tsn.js";
import type { GapAckBlock } from "./packet/sack.js";
import type { ReceiverSink } from "./receiver-sink.js";
import { tsnAdd, tsnDiff, tsnLt, tsnLte } from "./tsn.js";

/** Bytes a chunk costs in the receive window beyond its data (its header): a flood of tiny chunks stays bounded. */
const CHUNK_OVERHEAD = 16;
/** TSNs above the cumulative one we accept at most (beyond: out of window, dropped). */
export const MAX_TSN_WINDOW = 16384;
/** Duplicate TSNs reported per SACK at most. */
const MAX_DUPS = 32;
/** Gap blocks per SACK at most. */
const MAX_GAPS = 64;

export type ReceiveResult = "new" | "duplicate" | "dropped";

export class DataReceiver {
  /** Peer's cumulative TSN: every TSN up to it was received. */
  cumTsn: number;
  /** Sorted TSNs received above cumTsn. */
  private above: number[] = [];
  private dups: number[] = [];
  /** DATA messages (made on the first DATA chunk). */
  private data: DataAssembler | undefined;
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
    return (this.data?.bytes ?? 0) + (this.assembler?.bytes ?? 0);
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
    // Full window: only the TSN that fills the hole gets in (it may complete
    // what is held and free it), and not past twice the window: TSNs in order
    // that complete nothing (a peer ignoring our a_rwnd) must not grow memory.
    const held = this.held;
    if (held + cost > this.window && (d !== 1 || held + cost > 2 * this.window)) return "dropped";
    if (d === 1 && this.above.length === 0) this.cumTsn = c.tsn;
    else this.insertAbove(c.tsn);
    if (c.type === ChunkType.IData) this.messages().receive(c, cost);
    else this.dataMessages().receive(c);
    return "new";
  }

  private dataMessages(): DataAssembler {
    this.data ??= new DataAssembler(this.sink, this.maxMessageSize, CHUNK_OVERHEAD);
    return this.data;
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
    // The peer's TSN, not ours moved on past it: fragments above it are not abandoned.
    this.dataMessages().forward(f.newCumulativeTsn, f.streams);
  }

  /** Incoming SSN reset (RFC 6525 §5.2.2): these streams (all if empty) start again at SSN 0. */
  resetStreams(streamIds: readonly number[]): void {
    this.assembler?.resetStreams(streamIds);
    this.data?.resetStreams(streamIds);
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
