/**
 * Messages accepted by send() and not yet handed to the network, fragmented
 * lazily into chunks as the congestion window opens, with the per-stream
 * buffered amount and its low-threshold event (what
 * RTCDataChannel.bufferedAmount reports).
 *
 * A FIFO per stream; the streams take turns by weighted fair queueing
 * (RFC 8260 §3.6, stream-scheduler.ts), each stream's share of the bytes in
 * proportion to its weight ({@link SendQueue.setWeight}). With I-DATA
 * (RFC 8260, {@link SendQueue.setInterleaving}) the turn is one fragment, so
 * a small message on one stream leaves beside a large one on another instead
 * of behind it; with DATA it is one whole message, since DATA fragments of
 * two messages may not interleave (a message once begun finishes first).
 */
import { SctpError } from "./errors.js";
import { ChunkType } from "./packet/constants.js";
import { DATA_HEADER, type DataChunk } from "./packet/data.js";
import { I_DATA_HEADER, type IDataChunk, type UserDataChunk } from "./packet/i-data.js";
import { DEFAULT_STREAM_WEIGHT, type ScheduledStream, StreamScheduler } from "./stream-scheduler.js";
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

interface OutStream extends ScheduledStream {
  buffered: number;
  threshold: number;
  nextSsn: number;
  /** Messages of this stream in the queue with bytes not yet cut into chunks. */
  queued: number;
  /** I-DATA: next MIDs, ordered and unordered counted apart (RFC 8260 §2.1). */
  nextMid: number;
  nextUnorderedMid: number;
  /** This stream's waiting messages (from `head`), in send order. */
  messages: OutgoingMessage[];
  head: number;
}

/** A chunk in flight or waiting to be sent again: made by {@link SendQueue.nextChunk}, kept by retransmit-queue.ts. */
export interface SentChunk {
  chunk: UserDataChunk;
  message: OutgoingMessage;
  /** Bytes it counts in the flight size (chunk header + data). */
  size: number;
  sentAt: number;
  transmissions: number;
  acked: boolean;
  inFlight: boolean;
  missingReports: number;
  /** Order of its last transmission among all transmissions (new or again). */
  sendSeq: number;
  /** Marked for retransmission (fast or T3). */
  retransmit: boolean;
}

/** How many bytes the queue holds at most across streams (an upper bound on memory). */
export const MAX_QUEUED_BYTES = 64 * 1024 * 1024;

export class SendQueue {
  private readonly streams = new Map<number, OutStream>();
  /** Streams with messages waiting, in weighted fair order. */
  private readonly scheduler = new StreamScheduler<OutStream>();
  /** DATA: the stream whose message has begun and must end before another starts. */
  private current: OutStream | undefined;
  /** Bytes in the queue, all streams. */
  totalBytes = 0;
  private interleaved = false;

  constructor(private readonly onBufferedAmountLow: (streamId: number) => void) {}

  private stream(id: number): OutStream {
    let s = this.streams.get(id);
    if (!s) {
      s = {
        weight: DEFAULT_STREAM_WEIGHT,
        start: 0,
        epoch: 0,
        order: 0,
        slot: -1,
        buffered: 0,
        threshold: 0,
        nextSsn: 0,
        queued: 0,
        nextMid: 0,
        nextUnorderedMid: 0,
        messages: [],
        head: 0,
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
    s.messages.push(m);
    if (s.slot < 0) this.scheduler.join(s);
  }

  /**
   * A stream's weight in the weighted fair queueing scheduler (RFC 8260
   * §3.6): 1..65535, default {@link DEFAULT_STREAM_WEIGHT}.
   * @throws SctpError ERR_INVALID_ARGUMENT for a stream outside 0..65535 or a weight outside 1..65535.
   */
  setWeight(streamId: number, weight: number): void {
    if (!Number.isInteger(streamId) || streamId < 0 || streamId > 65535)
      throw new SctpError("ERR_INVALID_ARGUMENT", `stream ${streamId} is not in 0..65535`);
    if (!Number.isInteger(weight) || weight < 1 || weight > 65535)
      throw new SctpError("ERR_INVALID_ARGUMENT", `priority ${weight} is not an integer in 1..65535`);
    this.scheduler.setWeight(this.stream(streamId), weight);
  }

  /** A stream's weight. */
  weight(streamId: number): number {
    return this.streams.get(streamId)?.weight ?? DEFAULT_STREAM_WEIGHT;
  }

  /**
   * I-DATA negotiated (true) or not: chunks are I-DATA, the scheduler
   * choosing a stream for every fragment, or DATA, choosing one per message
   * (a message's fragments may not interleave with another's). Set once,
   * when the association is set up, before data leaves.
   */
  setInterleaving(on: boolean): void {
    if (on === this.interleaved) return;
    this.interleaved = on;
    this.current = undefined;
  }

  get isEmpty(): boolean {
    return this.scheduler.size === 0;
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
    for (let s = this.current ?? this.scheduler.next; s; s = this.current ?? this.scheduler.next) {
      const m = s.messages[s.head]!;
      if (m.abandoned) {
        // Abandoned after its first chunks went out (RFC 3758): the rest never leaves.
        this.take(s, m, m.data.length - m.offset);
        this.popFrom(s);
        continue;
      }
      if (m.offset === 0 && m.expiresAt !== 0 && now >= m.expiresAt) {
        m.abandoned = true;
        this.take(s, m, m.data.length);
        this.popFrom(s);
        continue;
      }
      return m;
    }
    return undefined;
  }

  /**
   * Cuts the next chunk (at most `maxPayload` bytes) of the message
   * {@link peek} returned, with the given TSN, as the record the
   * retransmission queue keeps (one object a fragment beside the chunk),
   * counted as sent once at `now` with transmission number `sendSeq`.
   */
  nextChunk(tsn: number, maxPayload: number, now = 0, sendSeq = 0): SentChunk {
    const s = this.current ?? this.scheduler.next!;
    const m = s.messages[s.head]!;
    if (s !== this.current) this.scheduler.begin(s);
    const beginning = m.offset === 0;
    const n = Math.min(maxPayload, m.data.length - m.offset);
    const userData = m.data.subarray(m.offset, m.offset + n);
    m.offset += n;
    const ending = m.offset === m.data.length;
    const chunk = this.interleaved
      ? this.iData(s, m, tsn, userData, beginning, ending)
      : this.data(s, m, tsn, userData, beginning, ending);
    this.take(s, m, n);
    this.scheduler.charge(s, n);
    if (ending) this.popFrom(s);
    else if (this.interleaved) this.scheduler.requeue(s);
    else this.current = s;
    return {
      chunk,
      message: m,
      size: chunk.userData.length + (this.interleaved ? I_DATA_HEADER : DATA_HEADER),
      sentAt: now,
      transmissions: 1,
      acked: false,
      inFlight: true,
      missingReports: 0,
      sendSeq,
      retransmit: false,
    };
  }

  private data(
    s: OutStream,
    m: OutgoingMessage,
    tsn: number,
    userData: Uint8Array,
    beginning: boolean,
    ending: boolean,
  ): DataChunk {
    if (beginning && !m.unordered) {
      m.ssn = s.nextSsn;
      s.nextSsn = ssnNext(s.nextSsn);
    } else if (beginning) m.ssn = 0;
    return {
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
  }

  private iData(
    s: OutStream,
    m: OutgoingMessage,
    tsn: number,
    userData: Uint8Array,
    beginning: boolean,
    ending: boolean,
  ): IDataChunk {
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
    return chunk;
  }

  /** Drops a stream's head message; the stream waits its turn again, or leaves if it has no more. */
  private popFrom(s: OutStream): void {
    s.queued--;
    if (this.current === s) this.current = undefined;
    s.messages[s.head++] = undefined as unknown as OutgoingMessage;
    if (s.head < s.messages.length) {
      if (s.head > 1024 && s.head * 2 > s.messages.length) {
        s.messages = s.messages.slice(s.head);
        s.head = 0;
      }
      this.scheduler.requeue(s);
      return;
    }
    s.messages = [];
    s.head = 0;
    this.scheduler.leave(s);
  }

  private take(s: OutStream, m: OutgoingMessage, n: number): void {
    const before = s.buffered;
    s.buffered -= n;
    this.totalBytes -= n;
    if (before > s.threshold && s.buffered <= s.threshold) this.onBufferedAmountLow(m.streamId);
  }

  /** Drops everything (close). */
  clear(): void {
    this.scheduler.clear();
    this.current = undefined;
    this.streams.clear();
    this.totalBytes = 0;
  }
}
