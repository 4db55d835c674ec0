/**
 * Messages accepted by send() and not yet handed to the network: one FIFO
 * across streams (messages leave in the order they were sent), fragmented
 * lazily into DATA chunks as the congestion window opens, with the
 * per-stream buffered amount and its low-threshold event (what
 * RTCDataChannel.bufferedAmount reports).
 */
import { SctpError } from "./errors.js";
import { ChunkType } from "./packet/constants.js";
import type { DataChunk } from "./packet/data.js";
import { ssnNext } from "./tsn.js";

/** One user message on its way out. */
export interface OutgoingMessage {
  streamId: number;
  ppid: number;
  data: Uint8Array;
  unordered: boolean;
  /** Bytes already cut into chunks. */
  offset: number;
  /** SSN, given when its first chunk is made. */
  ssn: number;
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
}

/** How many bytes the queue holds at most across streams (an upper bound on memory). */
export const MAX_QUEUED_BYTES = 64 * 1024 * 1024;

export class SendQueue {
  private queue: OutgoingMessage[] = [];
  private head = 0;
  private readonly streams = new Map<number, OutStream>();
  /** Bytes in the queue, all streams. */
  totalBytes = 0;

  constructor(private readonly onBufferedAmountLow: (streamId: number) => void) {}

  private stream(id: number): OutStream {
    let s = this.streams.get(id);
    if (!s) {
      s = { buffered: 0, threshold: 0, nextSsn: 0, queued: 0 };
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
    this.queue.push(m);
  }

  get isEmpty(): boolean {
    return this.head >= this.queue.length;
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

  /** Outgoing SSN reset (RFC 6525 §5.1.2): these streams start again at SSN 0. */
  resetSsn(streamIds: readonly number[]): void {
    for (const id of streamIds) {
      const s = this.streams.get(id);
      if (s) s.nextSsn = 0;
    }
  }

  /** The message the next chunk comes from, dropping those whose lifetime ended before they started. */
  peek(now: number): OutgoingMessage | undefined {
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

  /**
   * Cuts the next chunk (at most `maxPayload` bytes) of the head message,
   * with the given TSN. Call after {@link peek} returned a message.
   */
  nextChunk(tsn: number, maxPayload: number): { chunk: DataChunk; message: OutgoingMessage } {
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
    this.streams.clear();
    this.totalBytes = 0;
  }
}
