/**
 * Reassembly and delivery of I-DATA messages (RFC 8260 §2.1, §2.3): the
 * fragments of one message are named by (stream, U bit, MID) and ordered by
 * FSN, so fragments of messages on different streams may arrive
 * interleaved. Ordered messages are delivered in MID order per stream,
 * unordered ones once complete; I-FORWARD-TSN skips abandoned MIDs and an
 * incoming stream reset starts a stream's MIDs again at 0. The TSN side
 * (cumulative TSN, gaps, window) stays in reassembly.ts, which hands each
 * new I-DATA chunk here.
 *
 * Memory is bounded by bytes (every buffered fragment counts, as in
 * reassembly.ts). What no honest peer can send ends the association through
 * the sink: an ordered MID further ahead than the receive window could
 * explain, an FSN beyond the largest message, a second fragment with an FSN
 * already held, fragments past the one marked E.
 */
import type { IDataChunk } from "./packet/i-data.js";
import type { IForwardTsnStream } from "./packet/i-forward-tsn.js";
import type { ReceiverSink } from "./receiver-sink.js";
import { tsnAdd, tsnDiff, tsnLte } from "./tsn.js";

/** One message being put together from its fragments. */
interface Assembly {
  /**
   * Fragments by FSN: an array, not a Map (fragments mostly come in FSN
   * order, so it stays packed; a Map cost ~300 bytes of garbage a message).
   */
  fragments: IDataChunk[];
  /** Fragments held. */
  count: number;
  /** User data bytes held. */
  bytes: number;
  /** Window bytes held (user data + per-chunk overhead). */
  cost: number;
  ppid: number;
  hasB: boolean;
  /** FSN of the E fragment, -1 until it came. */
  lastFsn: number;
  /** Highest FSN held. */
  maxFsn: number;
}

interface InStream {
  /** Next ordered MID to deliver. */
  nextMid: number;
  /**
   * The message of `nextMid` while it is incomplete: the usual case (the
   * next message's fragments arriving in order) touches no Map.
   */
  head: Assembly | undefined;
  /** Ordered messages past `nextMid`, by MID. */
  ordered: Map<number, Assembly>;
  unordered: Map<number, Assembly>;
}

export class MessageAssembler {
  /** Window bytes held by incomplete or undeliverable messages. */
  bytes = 0;
  private readonly streams = new Map<number, InStream>();
  /** Largest ordered MID distance ahead of the next one a peer can honestly have. */
  private readonly maxMidGap: number;

  constructor(
    private readonly sink: ReceiverSink,
    private readonly maxMessageSize: number,
    /** Window bytes, and the TSNs accepted above the cumulative TSN. */
    window: number,
    tsnWindow: number,
    /** Window bytes a chunk costs beyond its data. */
    chunkOverhead: number,
  ) {
    // Every ordered message between the next MID and one received is either
    // buffered whole (each costs at least a chunk's overhead + 1 byte of the
    // window) or has a fragment still to come within the TSN window.
    this.maxMidGap = tsnWindow + Math.ceil(window / (chunkOverhead + 1));
  }

  private stream(id: number): InStream {
    let s = this.streams.get(id);
    if (!s) {
      s = { nextMid: 0, head: undefined, ordered: new Map(), unordered: new Map() };
      this.streams.set(id, s);
    }
    return s;
  }

  /** A new (not duplicate) I-DATA chunk that costs `cost` window bytes. */
  receive(c: IDataChunk, cost: number): void {
    const s = this.stream(c.streamId);
    if (c.unordered) {
      if (c.beginning && c.ending) {
        this.sink.deliver(c.streamId, c.ppid, c.userData.slice());
        return;
      }
      let a = s.unordered.get(c.mid);
      if (!a) {
        a = newAssembly();
        s.unordered.set(c.mid, a);
      }
      if (this.add(a, c, cost) && complete(a)) {
        s.unordered.delete(c.mid);
        this.deliver(c.streamId, a);
      }
      return;
    }
    const ahead = tsnDiff(c.mid, s.nextMid);
    if (ahead < 0) return; // a message already delivered or skipped by I-FORWARD-TSN
    if (ahead > this.maxMidGap) {
      this.sink.violation(`I-DATA MID ${c.mid} on stream ${c.streamId} is ${ahead} ahead of ${s.nextMid}`);
      return;
    }
    if (ahead === 0) {
      if (c.beginning && c.ending && !s.head) {
        s.nextMid = tsnAdd(s.nextMid, 1);
        this.sink.deliver(c.streamId, c.ppid, c.userData.slice());
      } else {
        s.head ??= newAssembly();
        if (!this.add(s.head, c, cost)) return;
      }
      this.deliverOrdered(c.streamId, s);
      return;
    }
    let a = s.ordered.get(c.mid);
    if (!a) {
      a = newAssembly();
      s.ordered.set(c.mid, a);
    }
    this.add(a, c, cost);
  }

  /** Adds a fragment to its message; false when the peer broke the rules (reported to the sink). */
  private add(a: Assembly, c: IDataChunk, cost: number): boolean {
    const fsn = c.fsn;
    // Every fragment holds at least one byte: an FSN past the largest message is a lie.
    if (fsn >= this.maxMessageSize || (!c.beginning && fsn === 0)) {
      this.sink.violation(`I-DATA FSN ${fsn} of MID ${c.mid} on stream ${c.streamId} is impossible`);
      return false;
    }
    if (a.fragments[fsn] !== undefined) {
      this.sink.violation(`I-DATA FSN ${fsn} of MID ${c.mid} on stream ${c.streamId} came twice`);
      return false;
    }
    if ((a.lastFsn >= 0 && fsn > a.lastFsn) || (c.ending && fsn < a.maxFsn)) {
      this.sink.violation(`I-DATA fragment past the last one of MID ${c.mid} on stream ${c.streamId}`);
      return false;
    }
    a.fragments[fsn] = c;
    a.count++;
    a.bytes += c.userData.length;
    a.cost += cost;
    this.bytes += cost;
    if (fsn > a.maxFsn) a.maxFsn = fsn;
    if (c.beginning) {
      a.hasB = true;
      a.ppid = c.ppid;
    }
    if (c.ending) a.lastFsn = fsn;
    if (a.bytes > this.maxMessageSize) {
      this.sink.tooBig(c.streamId);
      return false;
    }
    return true;
  }

  /** Delivers the head message while it is complete, taking each next one from the map. */
  private deliverOrdered(streamId: number, s: InStream): void {
    for (;;) {
      if (!s.head && s.ordered.size > 0) {
        s.head = s.ordered.get(s.nextMid);
        if (s.head) s.ordered.delete(s.nextMid);
      }
      const a = s.head;
      if (!a || !complete(a)) return;
      s.head = undefined;
      s.nextMid = tsnAdd(s.nextMid, 1);
      this.deliver(streamId, a);
    }
  }

  private deliver(streamId: number, a: Assembly): void {
    this.bytes -= a.cost;
    const out = new Uint8Array(a.bytes);
    let o = 0;
    for (let fsn = 0; fsn <= a.lastFsn; fsn++) {
      const f = a.fragments[fsn]!;
      out.set(f.userData, o);
      o += f.userData.length;
    }
    this.sink.deliver(streamId, a.ppid, out);
  }

  /**
   * The stream entries of an I-FORWARD-TSN (RFC 8260 §2.3.1): messages up
   * to each MID are skipped; whole ordered ones it strands are delivered
   * first, in MID order (the sender counts them as received).
   */
  forward(entries: readonly IForwardTsnStream[]): void {
    for (const { streamId, unordered, mid } of entries) {
      const s = this.stream(streamId);
      const map = unordered ? s.unordered : s.ordered;
      const stranded: [number, Assembly][] = [];
      for (const [k, a] of map)
        if (tsnLte(k, mid)) {
          map.delete(k);
          if (!unordered && complete(a) && tsnLte(s.nextMid, k)) stranded.push([k, a]);
          else this.bytes -= a.cost;
        }
      if (unordered) continue;
      if (tsnLte(s.nextMid, mid)) {
        // The head is never whole (it would have been delivered): it goes.
        if (s.head) this.bytes -= s.head.cost;
        s.head = undefined;
        const from = s.nextMid;
        s.nextMid = tsnAdd(mid, 1);
        stranded.sort((x, y) => tsnDiff(x[0], from) - tsnDiff(y[0], from));
        for (const [, a] of stranded) this.deliver(streamId, a);
      } else for (const [, a] of stranded) this.bytes -= a.cost;
      this.deliverOrdered(streamId, s);
    }
  }

  /** Incoming stream reset (RFC 6525 §5.2.2 with RFC 8260 §2.3.2): MIDs start again at 0; all streams if empty. */
  resetStreams(streamIds: readonly number[]): void {
    const ids = streamIds.length > 0 ? streamIds : [...this.streams.keys()];
    for (const id of ids) {
      const s = this.streams.get(id);
      if (!s) continue;
      if (s.head) this.bytes -= s.head.cost;
      s.head = undefined;
      for (const a of s.ordered.values()) this.bytes -= a.cost;
      for (const a of s.unordered.values()) this.bytes -= a.cost;
      s.ordered.clear();
      s.unordered.clear();
      s.nextMid = 0;
    }
  }
}

function newAssembly(): Assembly {
  return { fragments: [], count: 0, bytes: 0, cost: 0, ppid: 0, hasB: false, lastFsn: -1, maxFsn: -1 };
}

function complete(a: Assembly): boolean {
  return a.hasB && a.lastFsn >= 0 && a.count === a.lastFsn + 1;
}
