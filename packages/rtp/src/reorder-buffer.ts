import { RtpError } from "./errors.js";
import type { RtpPacket } from "./packet.js";
import { RESTART_DISTANCE, sequenceDelta } from "./sequence.js";

/** Options of {@link ReorderBuffer}. */
export interface ReorderBufferOptions {
  /** Packets held at most: a power of two up to 32768 (so slots never collide across the 16-bit wrap). Default 512. */
  capacity?: number;
  /** How long a gap may hold packets back before it is given up as loss, in ms. Default 100. */
  maxDelayMs?: number;
}

/** Counters of a {@link ReorderBuffer}. */
export interface ReorderStats {
  /** Packets released in order. */
  released: number;
  /** Sequence numbers given up (skipped) after waiting, or pushed out by the capacity bound. */
  skipped: number;
  /** Packets that came after their place was released or skipped. */
  late: number;
  /** Packets already held. */
  duplicates: number;
}

const NOTHING: readonly RtpPacket[] = Object.freeze([]);

/**
 * Puts RTP packets of one stream back in sequence order, with bounded memory and delay: a packet that arrives
 * early waits for the missing ones (which a NACK may bring back) until `maxDelayMs` passes or the span of held
 * packets reaches `capacity`; then the gap is skipped. The buffer owns no timer: call {@link poll} from the
 * owner's timer to release what waited too long when no packet arrives.
 */
export class ReorderBuffer {
  /** Counters. */
  readonly stats: ReorderStats = { released: 0, skipped: 0, late: 0, duplicates: 0 };
  private readonly capacity: number;
  private readonly maxDelayMs: number;
  private readonly slots: (RtpPacket | undefined)[];
  private readonly arrivals: Float64Array;
  /** The sequence number released next, or -1 before the first packet. */
  private next = -1;
  private held = 0;

  constructor(options: ReorderBufferOptions = {}) {
    this.capacity = options.capacity ?? 512;
    this.maxDelayMs = options.maxDelayMs ?? 100;
    const c = this.capacity;
    if (!Number.isInteger(c) || c < 1 || c > 0x8000 || (c & (c - 1)) !== 0)
      throw new RtpError("ERR_INVALID_ARGUMENT", `reorder capacity ${c} is not a power of two up to 32768`);
    this.slots = new Array(this.capacity).fill(undefined);
    this.arrivals = new Float64Array(this.capacity);
  }

  /** The sequence number released next (every one before it was released or given up), or -1 before any. */
  get nextSequence(): number {
    return this.next;
  }

  /** Packets held back, waiting for a gap to fill. */
  get size(): number {
    return this.held;
  }

  /**
   * Takes a packet and returns the packets now in order (possibly none; possibly this one and others it
   * unblocked).
   * @param now - the current time in ms (monotonic, e.g. performance.now())
   */
  push(packet: RtpPacket, now: number): readonly RtpPacket[] {
    const seq = packet.sequenceNumber;
    if (this.next < 0) this.next = seq;
    let delta = sequenceDelta(seq, this.next);
    let out: RtpPacket[] | undefined;
    if (delta < -RESTART_DISTANCE) {
      // Not late but a restarted source: release what is held and start over from it.
      out = this.drainUntil(this.next, out);
      this.next = seq;
      delta = 0;
    }
    if (delta < 0) {
      this.stats.late++;
      return this.poll(now);
    }
    if (delta >= this.capacity) {
      // Too far ahead to hold: release everything before it, skipping the gaps, and start over from it.
      out = this.drainUntil(seq, out);
    }
    const slot = seq % this.capacity;
    if (this.slots[slot] !== undefined) {
      this.stats.duplicates++;
    } else {
      this.slots[slot] = packet;
      this.arrivals[slot] = now;
      this.held++;
    }
    out = this.releaseRun(out);
    return this.releaseExpired(now, out) ?? NOTHING;
  }

  /** Releases packets held longer than `maxDelayMs`, skipping the gaps before them. */
  poll(now: number): readonly RtpPacket[] {
    return this.releaseExpired(now, undefined) ?? NOTHING;
  }

  /** Drops every held packet and forgets the sequence position. */
  clear(): void {
    this.slots.fill(undefined);
    this.held = 0;
    this.next = -1;
  }

  private releaseRun(out: RtpPacket[] | undefined): RtpPacket[] | undefined {
    for (;;) {
      const slot = this.next % this.capacity;
      const packet = this.slots[slot];
      if (packet === undefined || packet.sequenceNumber !== this.next) return out;
      this.slots[slot] = undefined;
      this.held--;
      this.stats.released++;
      this.next = (this.next + 1) & 0xffff;
      if (out) out.push(packet);
      else out = [packet];
    }
  }

  private releaseExpired(now: number, out: RtpPacket[] | undefined): RtpPacket[] | undefined {
    while (this.held > 0) {
      // The oldest held packet is the first one after the gap at `next`.
      let seq = this.next;
      let slot = seq % this.capacity;
      let skipped = 0;
      while (this.slots[slot] === undefined) {
        seq = (seq + 1) & 0xffff;
        slot = seq % this.capacity;
        skipped++;
      }
      if (now - this.arrivals[slot]! < this.maxDelayMs) return out;
      this.stats.skipped += skipped;
      this.next = seq;
      out = this.releaseRun(out);
    }
    return out;
  }

  private drainUntil(seq: number, out: RtpPacket[] | undefined): RtpPacket[] | undefined {
    while (this.held > 0) {
      while (this.slots[this.next % this.capacity] === undefined) {
        this.next = (this.next + 1) & 0xffff;
        this.stats.skipped++;
      }
      out = this.releaseRun(out);
    }
    this.stats.skipped += Math.max(0, sequenceDelta(seq, this.next));
    this.next = seq;
    return out;
  }
}
