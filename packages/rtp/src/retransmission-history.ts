import { RtpError } from "./errors.js";

/** Options of {@link RetransmissionHistory}. */
export interface RetransmissionHistoryOptions {
  /** Packets kept: a power of two, at least 1024 (about 1 s of 10 Mbit/s video). Default 1024. */
  capacity?: number;
  /** A packet is resent at most once per this many ms (a NACK repeated within an RTT). Default 10. */
  minResendIntervalMs?: number;
}

/**
 * The send side's memory of its last RTP packets (serialized, as sent before SRTP), indexed by sequence
 * number in a fixed ring: answering a generic NACK (RFC 4585 §6.2.1) is a lookup, memory is bounded, and
 * nothing is allocated per packet.
 */
export class RetransmissionHistory {
  /** Packets resent. */
  resent = 0;
  /** NACKed sequence numbers no longer (or never) in the history. */
  missed = 0;
  private readonly mask: number;
  private readonly packets: (Uint8Array | undefined)[];
  private readonly sequences: Int32Array;
  private readonly resentAt: Float64Array;
  private readonly minResendIntervalMs: number;

  constructor(options: RetransmissionHistoryOptions = {}) {
    const capacity = options.capacity ?? 1024;
    if (
      !Number.isInteger(capacity) ||
      capacity < 1024 ||
      capacity > 0x10000 ||
      (capacity & (capacity - 1)) !== 0
    )
      throw new RtpError(
        "ERR_INVALID_ARGUMENT",
        `history capacity ${capacity} is not a power of two in 1024–65536`,
      );
    this.mask = capacity - 1;
    this.packets = new Array(capacity).fill(undefined);
    this.sequences = new Int32Array(capacity).fill(-1);
    this.resentAt = new Float64Array(capacity).fill(Number.NEGATIVE_INFINITY);
    this.minResendIntervalMs = options.minResendIntervalMs ?? 10;
  }

  /** Stores a sent packet (its bytes are kept, not copied: do not reuse the buffer). */
  store(sequenceNumber: number, packet: Uint8Array): void {
    const slot = sequenceNumber & this.mask;
    this.packets[slot] = packet;
    this.sequences[slot] = sequenceNumber;
    this.resentAt[slot] = Number.NEGATIVE_INFINITY;
  }

  /** The stored packet with this sequence number, if still held. */
  get(sequenceNumber: number): Uint8Array | undefined {
    const slot = sequenceNumber & this.mask;
    return this.sequences[slot] === sequenceNumber ? this.packets[slot] : undefined;
  }

  /**
   * The packets to resend for a NACK's lost sequence numbers: those still held and not resent in the last
   * `minResendIntervalMs`.
   * @param now - ms, monotonic
   */
  answerNack(lost: readonly number[], now: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const seq of lost) {
      const slot = seq & this.mask;
      const packet = this.sequences[slot] === seq ? this.packets[slot] : undefined;
      if (!packet) {
        this.missed++;
        continue;
      }
      if (now - this.resentAt[slot]! < this.minResendIntervalMs) continue;
      this.resentAt[slot] = now;
      this.resent++;
      out.push(packet);
    }
    return out;
  }

  /** Drops every packet (close). */
  clear(): void {
    this.packets.fill(undefined);
    this.sequences.fill(-1);
  }
}
