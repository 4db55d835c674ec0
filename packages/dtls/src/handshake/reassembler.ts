import { DtlsError } from "../errors.js";
import type { HandshakeFragment } from "./header.js";

/** A reassembled handshake message. */
export interface HandshakeMessage {
  type: number;
  messageSeq: number;
  body: Uint8Array;
  /** Lowest record epoch any fragment came in (Finished must be protected). */
  epoch: number;
  /** Header and body as received, when the message came in one fragment (what the transcript hashes). */
  whole: Uint8Array | undefined;
}

interface Pending {
  type: number;
  body: Uint8Array;
  /** Received byte ranges, merged, as [start, end) pairs. */
  ranges: number[];
  epoch: number;
  whole: Uint8Array | undefined;
}

/**
 * Reassembles handshake messages from fragments that may arrive out of order,
 * duplicated or overlapping (RFC 6347 §4.2.3), and releases them in
 * message_seq order. Bounded: only `window` messages ahead of the next
 * expected one are buffered, and only `maxBytes` in total.
 */
export class Reassembler {
  /** message_seq of the next message to release. */
  next = 0;
  private readonly pending = new Map<number, Pending>();
  private buffered = 0;

  constructor(
    private readonly window = 16,
    private readonly maxBytes = 256 * 1024,
  ) {}

  /**
   * Adds a fragment. Returns "old" for a fragment of an already released
   * message (a retransmission by the peer), "ignored" for one too far ahead,
   * otherwise "buffered".
   */
  add(f: HandshakeFragment, epoch: number): "old" | "ignored" | "buffered" {
    if (f.messageSeq < this.next) return "old";
    if (f.messageSeq >= this.next + this.window) return "ignored";
    let p = this.pending.get(f.messageSeq);
    if (!p) {
      if (this.buffered + f.length > this.maxBytes) return "ignored";
      if (f.whole) {
        // The usual case, a message in one fragment: kept as the view it came in, no copy.
        p = { type: f.type, body: f.body, ranges: [0, f.length], epoch, whole: f.whole };
        this.pending.set(f.messageSeq, p);
        this.buffered += f.length;
        return "buffered";
      }
      p = { type: f.type, body: new Uint8Array(f.length), ranges: [], epoch, whole: undefined };
      this.pending.set(f.messageSeq, p);
      this.buffered += f.length;
    } else if (p.type !== f.type || p.body.length !== f.length) {
      throw new DtlsError("ERR_DTLS_MALFORMED", `fragments of message ${f.messageSeq} disagree`, {
        alert: 47,
      });
    }
    p.epoch = Math.min(p.epoch, epoch);
    // Complete already (a duplicate): nothing to add, and a view of a received datagram is not written to.
    if (p.whole) return "buffered";
    p.body.set(f.body, f.fragmentOffset);
    addRange(p.ranges, f.fragmentOffset, f.fragmentOffset + f.body.length);
    return "buffered";
  }

  /** Releases the next complete message, if it is complete. */
  pop(): HandshakeMessage | undefined {
    const p = this.pending.get(this.next);
    if (!p) return undefined;
    const complete =
      p.body.length === 0 || (p.ranges.length === 2 && p.ranges[0] === 0 && p.ranges[1] === p.body.length);
    if (!complete) return undefined;
    this.pending.delete(this.next);
    this.buffered -= p.body.length;
    return { type: p.type, messageSeq: this.next++, body: p.body, epoch: p.epoch, whole: p.whole };
  }

  /** Drops everything buffered (on close). */
  clear(): void {
    this.pending.clear();
    this.buffered = 0;
  }
}

/** Merges [start, end) into a sorted list of disjoint ranges. */
function addRange(ranges: number[], start: number, end: number): void {
  if (end <= start) return;
  if (ranges.length === 0) {
    // The common case: the first (often the only) fragment of a message.
    ranges.push(start, end);
    return;
  }
  const merged: number[] = [];
  let s = start;
  let e = end;
  let placed = false;
  for (let i = 0; i < ranges.length; i += 2) {
    const rs = ranges[i]!;
    const re = ranges[i + 1]!;
    if (re < s) merged.push(rs, re);
    else if (rs > e) {
      if (!placed) {
        merged.push(s, e);
        placed = true;
      }
      merged.push(rs, re);
    } else {
      s = Math.min(s, rs);
      e = Math.max(e, re);
    }
  }
  if (!placed) merged.push(s, e);
  // `ranges` is sorted and disjoint, so `merged` comes out sorted: no sort needed.
  ranges.length = merged.length;
  for (let i = 0; i < merged.length; i++) ranges[i] = merged[i]!;
}
