/**
 * Reassembly and delivery of DATA messages (RFC 9260 §6.5, §6.9): the
 * fragments of one message carry consecutive TSNs from the one marked B to
 * the one marked E; ordered messages are delivered in SSN order per stream,
 * unordered ones once whole; FORWARD-TSN (RFC 3758 §3.6) skips abandoned
 * messages (delivering the whole ones it strands) and an incoming stream reset (RFC 6525) starts a stream's SSNs
 * again at 0. The TSN side (cumulative TSN, gaps, duplicates, window) stays
 * in reassembly.ts, which hands each new DATA chunk here exactly once.
 *
 * The common path allocates nothing but the message: a whole message whose
 * turn it is goes out at once (a copy of its bytes), and fragments wait in
 * one queue per ordered stream, sorted by SSN then TSN, so the message of the
 * next SSN is always at the front (a peer's SSNs rise with its TSNs on a
 * stream), plus one queue for every unordered fragment, sorted by TSN. Memory
 * is bounded by the window bytes every held fragment counts against.
 */
import { FragmentQueue } from "./fragment-queue.js";
import type { DataChunk } from "./packet/data.js";
import type { ForwardTsnStream } from "./packet/forward-tsn.js";
import type { ReceiverSink } from "./receiver-sink.js";
import { ssnLt, ssnNext, tsnAdd, tsnDiff, tsnLt, tsnLte } from "./tsn.js";

interface OrderedStream {
  /** Next SSN to deliver. */
  nextSsn: number;
  /** Fragments held, by SSN (serial order from nextSsn) then TSN; made on the first one. */
  queue: FragmentQueue | undefined;
  /** Fragments at the queue's front with SSN `nextSsn` (the next message's). */
  headCount: number;
  /** Their user data bytes. */
  headBytes: number;
}

/** Queue order of an ordered stream (every SSN held is within 2^15 after the next one: a total order). */
function bySsnThenTsn(a: DataChunk, b: DataChunk): boolean {
  return a.ssn === b.ssn ? tsnLt(a.tsn, b.tsn) : ssnLt(a.ssn, b.ssn);
}

function byTsn(a: DataChunk, b: DataChunk): boolean {
  return tsnLt(a.tsn, b.tsn);
}

export class DataAssembler {
  /** Window bytes held by fragments of messages not yet delivered. */
  bytes = 0;
  private readonly streams = new Map<number, OrderedStream>();
  private readonly unordered = new FragmentQueue(byTsn);

  constructor(
    private readonly sink: ReceiverSink,
    private readonly maxMessageSize: number,
    /** Window bytes a chunk costs beyond its data. */
    private readonly chunkOverhead: number,
  ) {}

  private stream(id: number): OrderedStream {
    let s = this.streams.get(id);
    if (!s) {
      s = { nextSsn: 0, queue: undefined, headCount: 0, headBytes: 0 };
      this.streams.set(id, s);
    }
    return s;
  }

  /** A new (not duplicate) DATA chunk. */
  receive(c: DataChunk): void {
    if (c.unordered) {
      this.receiveUnordered(c);
      return;
    }
    const s = this.stream(c.streamId);
    if (ssnLt(c.ssn, s.nextSsn)) return; // a message already delivered or skipped by FORWARD-TSN
    if (c.ssn === s.nextSsn && c.beginning && c.ending && s.headCount === 0) {
      s.nextSsn = ssnNext(s.nextSsn);
      if (s.queue && s.queue.size > 0) this.countHead(c.streamId, s);
      this.sink.deliver(c.streamId, c.ppid, c.userData.slice());
      this.deliverOrdered(c.streamId, s);
      return;
    }
    s.queue ??= new FragmentQueue(bySsnThenTsn);
    s.queue.insert(c);
    this.bytes += c.userData.length + this.chunkOverhead;
    if (c.ssn !== s.nextSsn) return;
    s.headCount++;
    s.headBytes += c.userData.length;
    if (s.headBytes > this.maxMessageSize) {
      this.sink.tooBig(c.streamId);
      return;
    }
    this.deliverOrdered(c.streamId, s);
  }

  /** Counts the fragments of the next SSN at the front of the stream's queue. */
  private countHead(streamId: number, s: OrderedStream): void {
    s.headCount = 0;
    s.headBytes = 0;
    const q = s.queue;
    if (!q) return;
    while (s.headCount < q.size) {
      const f = q.at(s.headCount);
      if (f.ssn !== s.nextSsn) break;
      s.headCount++;
      s.headBytes += f.userData.length;
    }
    if (s.headBytes > this.maxMessageSize) this.sink.tooBig(streamId);
  }

  /** Delivers the next message while it is whole: B first, E last, consecutive TSNs. */
  private deliverOrdered(streamId: number, s: OrderedStream): void {
    const q = s.queue;
    if (!q) return;
    for (;;) {
      const n = s.headCount;
      if (n === 0 || s.headBytes > this.maxMessageSize) return;
      const first = q.at(0);
      const last = q.at(n - 1);
      if (!first.beginning || !last.ending || tsnDiff(last.tsn, first.tsn) + 1 !== n) return;
      const data = q.join(0, n, s.headBytes);
      q.remove(0, n);
      this.bytes -= s.headBytes + n * this.chunkOverhead;
      s.nextSsn = ssnNext(s.nextSsn);
      this.countHead(streamId, s);
      this.sink.deliver(streamId, first.ppid, data);
    }
  }

  private receiveUnordered(c: DataChunk): void {
    if (c.beginning && c.ending) {
      this.sink.deliver(c.streamId, c.ppid, c.userData.slice());
      return;
    }
    const q = this.unordered;
    const i = q.insert(c);
    this.bytes += c.userData.length + this.chunkOverhead;
    // Walk to the first and last fragment around it: whole when B..E are all here.
    let bytes = c.userData.length;
    let lo = i;
    while (!q.at(lo).beginning) {
      if (lo === 0) return;
      const prev = q.at(lo - 1);
      if (prev.ending || prev.tsn !== tsnAdd(q.at(lo).tsn, -1)) return;
      lo--;
      bytes += prev.userData.length;
      if (bytes > this.maxMessageSize) break;
    }
    let hi = i;
    while (!q.at(hi).ending && bytes <= this.maxMessageSize) {
      if (hi + 1 === q.size) return;
      const next = q.at(hi + 1);
      if (next.beginning || next.tsn !== tsnAdd(q.at(hi).tsn, 1)) return;
      hi++;
      bytes += next.userData.length;
    }
    if (bytes > this.maxMessageSize) {
      this.sink.tooBig(c.streamId);
      return;
    }
    const first = q.at(lo);
    const data = q.join(lo, hi - lo + 1, bytes);
    q.remove(lo, hi - lo + 1);
    this.bytes -= bytes + (hi - lo + 1) * this.chunkOverhead;
    this.sink.deliver(first.streamId, first.ppid, data);
  }

  /** FORWARD-TSN (RFC 3758 §3.6): unordered fragments up to the new cumulative TSN go, and messages up to each stream's SSN. */
  forward(newCumulativeTsn: number, entries: readonly ForwardTsnStream[]): void {
    if (this.unordered.size > 0) this.dropUnordered(newCumulativeTsn);
    for (const { streamId, ssn } of entries) {
      const known = this.streams.has(streamId);
      const s = this.stream(streamId);
      if (!known) {
        s.nextSsn = ssnNext(ssn);
        continue;
      }
      if (ssnLt(ssnNext(ssn), s.nextSsn)) continue; // an old FORWARD-TSN: those SSNs are behind us
      this.skipTo(streamId, s, ssn);
      s.nextSsn = ssnNext(ssn);
      this.countHead(streamId, s);
      this.deliverOrdered(streamId, s);
    }
  }

  /**
   * Unordered fragments up to the new cumulative TSN belong to abandoned
   * messages, except those of a message that goes on past it (its first
   * fragments acknowledged, the rest still to come): they stay.
   */
  private dropUnordered(newCumulativeTsn: number): void {
    const q = this.unordered;
    let keepFrom = tsnAdd(newCumulativeTsn, 1);
    for (let k = q.size - 1; k >= 0; k--) {
      const c = q.at(k);
      if (tsnLt(newCumulativeTsn, c.tsn)) continue;
      if (c.tsn !== newCumulativeTsn || c.ending) break;
      let j = k;
      while (
        !q.at(j).beginning &&
        j > 0 &&
        !q.at(j - 1).ending &&
        q.at(j - 1).tsn === tsnAdd(q.at(j).tsn, -1)
      )
        j--;
      keepFrom = q.at(j).tsn;
      break;
    }
    this.bytes -= q.removeWhere(
      (c) => tsnLte(c.tsn, newCumulativeTsn) && tsnLt(c.tsn, keepFrom),
      this.chunkOverhead,
    );
  }

  /**
   * The messages up to `ssn` held at the front of the queue: whole ones are
   * "stranded" and delivered (RFC 3758 §3.6: the sender counts them as
   * received), partial ones dropped.
   */
  private skipTo(streamId: number, s: OrderedStream, ssn: number): void {
    const q = s.queue;
    if (!q) return;
    while (q.size > 0 && !ssnLt(ssn, q.at(0).ssn)) {
      const first = q.at(0);
      let n = 1;
      let bytes = first.userData.length;
      while (n < q.size && q.at(n).ssn === first.ssn) bytes += q.at(n++).userData.length;
      const last = q.at(n - 1);
      const whole =
        first.beginning &&
        last.ending &&
        tsnDiff(last.tsn, first.tsn) + 1 === n &&
        bytes <= this.maxMessageSize;
      const data = whole ? q.join(0, n, bytes) : undefined;
      q.remove(0, n);
      this.bytes -= bytes + n * this.chunkOverhead;
      s.nextSsn = ssnNext(first.ssn);
      if (data) this.sink.deliver(streamId, first.ppid, data);
    }
  }

  /** Incoming SSN reset (RFC 6525 §5.2.2): these streams (all if empty) start again at SSN 0. */
  resetStreams(streamIds: readonly number[]): void {
    const ids = streamIds.length > 0 ? streamIds : [...this.streams.keys()];
    for (const id of ids) {
      const s = this.streams.get(id);
      if (!s) continue;
      if (s.queue) this.bytes -= s.queue.removeWhere(all, this.chunkOverhead);
      s.nextSsn = 0;
      s.headCount = 0;
      s.headBytes = 0;
    }
  }
}

function all(): boolean {
  return true;
}
