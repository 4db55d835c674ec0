/**
 * Messages accepted by send() and not yet handed to the network, fragmented
 * lazily into chunks as the congestion window opens, with the per-stream
 * buffered amount and its low-threshold event (what
 * RTCDataChannel.bufferedAmount reports).
 *
 * With DATA: one FIFO across streams (messages leave in the order they were
 * sent; a message's fragments may not interleave with another's). With
 * I-DATA (RFC 8260, {@link SendQueue.setInterleaving}): a FIFO per stream,
 * the streams served round robin one fragment at a time (RFC 8260 §3.1), so
 * a small message on one stream leaves beside a large one on another
 * instead of behind it.
 */
import { SctpError } from "./errors.js";
import { ChunkType } from "./packet/constants.js";
import type { DataChunk } from "./packet/data.js";
import type { IDataChunk, UserDataChunk } from "./packet/i-data.js";
import { ssnNext, tsnAdd } from "./tsn.js";

/** One user message on its way out. */
export interface OutgoingMessage {
  streamId: number;
  ppid: number;
  data: Uint8Array;
  unordered: boolean;
  /** Bytes already cut into chunks. */
  offset: number;
  /** SSN (DATA) or MID (I-DATA), given when its first chunk is made. */
  ssn: number;
  /** I-DATA: FSN of the next fragment. */
  fsn: number;
  /** PR-SCTP: retransmissions allowed per chunk (RFC 3758 "limited retransmissions"); -1 = reliable. */
  maxRetransmits: number;
  /** PR-SCTP: give up after this time (performance.now() ms); 0 = never. */
  expiresAt: number;
  /** Given up (RFC 3758 §3.5): its chunks are skipped by FORWARD-TSN. */
  abandoned: boolean;
}

interface OutStream {
  buffered: number;
  threshold: number;
  nextSsn: number;
  /** Messages of this stream in the queue with bytes not yet cut into chunks. */
  queued: number;
  /** I-DATA: next MIDs, ordered and unordered counted apart (RFC 8260 §2.1). */
  nextMid: number;
  nextUnorderedMid: number;
  /** I-DATA: this stream's waiting messages (from `head`). */
  messages: OutgoingMessage[];
  head: number;
  /** I-DATA: neighbours in the round of streams with messages waiting (undefined: not in it). */
  next: OutStream | undefined;
  prev: OutStream | undefined;
}

/** How many bytes the queue holds at most across streams (an upper bound on memory). */
export const MAX_QUEUED_BYTES = 64 * 1024 * 1024;

export class SendQueue {
  private queue: OutgoingMessage[] = [];
  private head = 0;
  private readonly streams = new Map<number, OutStream>();
  /** Bytes in the queue, all streams. */
  totalBytes = 0;
  private interleaved = false;
  /**
   * I-DATA: the stream whose turn it is, in a ring of the streams with
   * messages waiting (O(1) to join and leave, with thousands of channels).
   */
  private turn: OutStream | undefined;

  constructor(private readonly onBufferedAmountLow: (streamId: number) => void) {}

  private stream(id: number): OutStream {
    let s = this.streams.get(id);
    if (!s) {
      s = {
        buffered: 0,
        threshold: 0,
        nextSsn: 0,
        queued: 0,
        nextMid: 0,
        nextUnorderedMid: 0,
        messages: [],
        head: 0,
        next: undefined,
        prev: undefined,
      };
      this.streams.set(id, s);
    }
    return s;
  }

  enqueue(m: OutgoingMessage): void {
    if (this.totalBytes + m.data.length > MAX_QUEUED_BYTES)
      throw new SctpError("ERR_BUFFER_FULL", `send queue would pass ${MAX_QUEUED_BYTES} bytes`);
    const s = this.stream(m.streamId);
    s.buffered += m.data.length;
    s.queued++;
    this.totalBytes += m.data.length;
    if (this.interleaved) this.enqueueOn(s, m);
    else this.queue.push(m);
  }

  private enqueueOn(s: OutStream, m: OutgoingMessage): void {
    s.messages.push(m);
    if (s.next) return;
    const t = this.turn;
    if (!t) {
      s.next = s;
      s.prev = s;
      this.turn = s;
      return;
    }
    // Last in the round: just before the stream whose turn it is.
    s.next = t;
    s.prev = t.prev;
    t.prev!.next = s;
    t.prev = s;
  }

  /** Takes a stream out of the round; the one after it gets the turn if it had it. */
  private leaveRound(s: OutStream): void {
    if (s.next === s) this.turn = undefined;
    else {
      s.prev!.next = s.next;
      s.next!.prev = s.prev;
      if (this.turn === s) this.turn = s.next;
    }
    s.next = undefined;
    s.prev = undefined;
  }

  /**
   * I-DATA negotiated (true) or not: chunks are I-DATA cut round robin
   * across streams, or DATA in send order. Messages waiting move over in
   * their order (the mode changes once, when the association is set up).
   */
  setInterleaving(on: boolean): void {
    if (on === this.interleaved) return;
    this.interleaved = on;
    if (on) {
      for (let i = this.head; i < this.queue.length; i++) {
        const m = this.queue[i]!;
        this.enqueueOn(this.stream(m.streamId), m);
      }
      this.queue = [];
      this.head = 0;
      return;
    }
    while (this.turn) {
      const s = this.turn;
      for (let i = s.head; i < s.messages.length; i++) this.queue.push(s.messages[i]!);
      s.messages = [];
      s.head = 0;
      this.leaveRound(s);
    }
  }

  get isEmpty(): boolean {
    return this.interleaved ? this.turn === undefined : this.head >= this.queue.length;
  }

  bufferedAmount(streamId: number): number {
    return this.streams.get(streamId)?.buffered ?? 0;
  }

  setThreshold(streamId: number, bytes: number): void {
    this.stream(streamId).threshold = bytes;
  }

  /** True when no message of these streams waits to be cut into chunks (a reset may go out). */
  drained(streamIds: readonly number[]): boolean {
    for (const id of streamIds) if ((this.streams.get(id)?.queued ?? 0) > 0) return false;
    return true;
  }

  /** Outgoing SSN reset (RFC 6525 §5.1.2): these streams start again at SSN 0 (I-DATA: both MIDs at 0). */
  resetSsn(streamIds: readonly number[]): void {
    for (const id of streamIds) {
      const s = this.streams.get(id);
      if (!s) continue;
      s.nextSsn = 0;
      s.nextMid = 0;
      s.nextUnorderedMid = 0;
    }
  }

  /** The message the next chunk comes from, dropping those whose lifetime ended before they started. */
  peek(now: number): OutgoingMessage | undefined {
    if (this.interleaved) return this.peekRound(now);
    while (this.head < this.queue.length) {
      const m = this.queue[this.head]!;
      if (m.abandoned) {
        // Abandoned after its first chunks went out (RFC 3758): the rest never leaves.
        this.take(m, m.data.length - m.offset);
        this.pop(m);
        continue;
      }
      if (m.offset === 0 && m.expiresAt !== 0 && now >= m.expiresAt) {
        m.abandoned = true;
        this.take(m, m.data.length);
        this.pop(m);
        continue;
      }
      return m;
    }
    return undefined;
  }

  private peekRound(now: number): OutgoingMessage | undefined {
    for (let s = this.turn; s; s = this.turn) {
      const m = s.messages[s.head]!;
      if (m.abandoned) {
        this.take(m, m.data.length - m.offset);
        this.popFrom(s);
        continue;
      }
      if (m.offset === 0 && m.expiresAt !== 0 && now >= m.expiresAt) {
        m.abandoned = true;
        this.take(m, m.data.length);
        this.popFrom(s);
        continue;
      }
      return m;
    }
    return undefined;
  }

  /**
   * Cuts the next chunk (at most `maxPayload` bytes) of the head message,
   * with the given TSN. Call after {@link peek} returned a message.
   */
  nextChunk(tsn: number, maxPayload: number): { chunk: UserDataChunk; message: OutgoingMessage } {
    if (this.interleaved) return this.nextIData(tsn, maxPayload);
    const m = this.queue[this.head]!;
    const s = this.stream(m.streamId);
    const beginning = m.offset === 0;
    if (beginning && !m.unordered) {
      m.ssn = s.nextSsn;
      s.nextSsn = ssnNext(s.nextSsn);
    } else if (beginning) m.ssn = 0;
    const n = Math.min(maxPayload, m.data.length - m.offset);
    const userData = m.data.subarray(m.offset, m.offset + n);
    m.offset += n;
    const ending = m.offset === m.data.length;
    const chunk: DataChunk = {
      type: ChunkType.Data,
      tsn,
      streamId: m.streamId,
      ssn: m.ssn,
      ppid: m.ppid,
      userData,
      unordered: m.unordered,
      beginning,
      ending,
      immediate: false,
    };
    this.take(m, n);
    if (ending) this.pop(m);
    return { chunk, message: m };
  }

  /** The next I-DATA fragment of the stream whose turn it is; then the next stream's turn. */
  private nextIData(tsn: number, maxPayload: number): { chunk: IDataChunk; message: OutgoingMessage } {
    const s = this.turn!;
    const m = s.messages[s.head]!;
    const beginning = m.offset === 0;
    if (beginning) {
      m.fsn = 0;
      if (m.unordered) {
        m.ssn = s.nextUnorderedMid;
        s.nextUnorderedMid = tsnAdd(s.nextUnorderedMid, 1);
      } else {
        m.ssn = s.nextMid;
        s.nextMid = tsnAdd(s.nextMid, 1);
      }
    }
    const n = Math.min(maxPayload, m.data.length - m.offset);
    const userData = m.data.subarray(m.offset, m.offset + n);
    m.offset += n;
    const ending = m.offset === m.data.length;
    const chunk: IDataChunk = {
      type: ChunkType.IData,
      tsn,
      streamId: m.streamId,
      mid: m.ssn,
      fsn: m.fsn,
      ppid: beginning ? m.ppid : 0,
      userData,
      unordered: m.unordered,
      beginning,
      ending,
      immediate: false,
    };
    m.fsn = tsnAdd(m.fsn, 1);
    this.take(m, n);
    if (ending) this.popFrom(s);
    else this.turn = s.next;
    return { chunk, message: m };
  }

  /** Drops a stream's head message; a stream left without any leaves the round. */
  private popFrom(s: OutStream): void {
    s.queued--;
    s.messages[s.head++] = undefined as unknown as OutgoingMessage;
    if (s.head < s.messages.length) {
      if (s.head > 1024 && s.head * 2 > s.messages.length) {
        s.messages = s.messages.slice(s.head);
        s.head = 0;
      }
      this.turn = s.next;
      return;
    }
    s.messages = [];
    s.head = 0;
    this.leaveRound(s);
  }

  private take(m: OutgoingMessage, n: number): void {
    const s = this.stream(m.streamId);
    const before = s.buffered;
    s.buffered -= n;
    this.totalBytes -= n;
    if (before > s.threshold && s.buffered <= s.threshold) this.onBufferedAmountLow(m.streamId);
  }

  private pop(m: OutgoingMessage): void {
    this.stream(m.streamId).queued--;
    this.queue[this.head++] = undefined as unknown as OutgoingMessage;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** Drops everything (close). */
  clear(): void {
    this.queue = [];
    this.head = 0;
    this.turn = undefined;
    this.streams.clear();
    this.totalBytes = 0;
  }
}
