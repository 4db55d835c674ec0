import { ntpMiddle32 } from "./ntp.js";
import type { ReportBlock } from "./rtcp/report-block.js";

const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
const SEQ_MOD = 0x10000;

/**
 * The reception statistics of one source, kept as RFC 3550 Appendix A says: the extended highest sequence
 * number with wrap-around and restart detection (A.1), expected and lost counts with the loss fraction since
 * the last report (A.3), and interarrival jitter (A.8). It makes the report block of an RR or SR.
 */
export class ReceptionStats {
  /** Packets received (duplicates included, as RFC 3550 counts them). */
  packetsReceived = 0;
  /** Payload bytes received. */
  bytesReceived = 0;
  private maxSeq = 0;
  private cycles = 0;
  private baseSeq = 0;
  private badSeq = SEQ_MOD + 1;
  private started = false;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private transit = 0;
  private jitterValue = 0;
  private lastSr = 0;
  private lastSrAt = -1;

  /**
   * @param ssrc - the source these statistics are about
   * @param clockRate - its RTP clock rate in Hz (90000 for video, 48000 for Opus)
   */
  constructor(
    readonly ssrc: number,
    private readonly clockRate: number,
  ) {}

  /**
   * Records a received packet.
   * @param arrivalMs - arrival time in ms (monotonic clock)
   * @returns false when the packet was judged out of the sequence's range (a possible restart, RFC 3550 A.1)
   */
  received(seq: number, rtpTimestamp: number, payloadBytes: number, arrivalMs: number): boolean {
    if (!this.started) {
      this.started = true;
      this.initSequence(seq);
    } else if (!this.updateSequence(seq)) return false;
    this.packetsReceived++;
    this.bytesReceived += payloadBytes;
    // A.8: transit time in timestamp units; the jitter is its smoothed variation.
    const arrival = (arrivalMs * this.clockRate) / 1000;
    const transit = arrival - rtpTimestamp;
    if (this.packetsReceived > 1) {
      let d = transit - this.transit;
      // RTP timestamps wrap at 2^32: bring the difference back to the near side.
      if (d > 2 ** 31) d -= 2 ** 32;
      else if (d < -(2 ** 31)) d += 2 ** 32;
      this.jitterValue += (Math.abs(d) - this.jitterValue) / 16;
    }
    this.transit = transit;
    return true;
  }

  /** Records a sender report from the source (for the LSR and DLSR fields). */
  senderReport(ntpTime: bigint, nowMs: number): void {
    this.lastSr = ntpMiddle32(ntpTime);
    this.lastSrAt = nowMs;
  }

  /** The extended highest sequence number received (cycles × 65536 + highest). */
  get extendedHighestSequence(): number {
    return this.cycles + this.maxSeq;
  }

  /** Packets expected minus packets received since the start (may be negative with duplicates). */
  get cumulativeLost(): number {
    return this.expected() - this.packetsReceived;
  }

  /** Interarrival jitter in timestamp units. */
  get jitter(): number {
    return Math.floor(this.jitterValue);
  }

  /** True once a packet has been received. */
  get active(): boolean {
    return this.started;
  }

  /**
   * Makes a report block and starts a new loss-fraction interval (RFC 3550 A.3).
   * @param nowMs - the monotonic time, for DLSR
   */
  reportBlock(nowMs: number): ReportBlock {
    const expected = this.expected();
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.packetsReceived - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.packetsReceived;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost =
      expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval * 256) / expectedInterval);
    return {
      ssrc: this.ssrc,
      fractionLost: Math.min(255, fractionLost),
      cumulativeLost: this.cumulativeLost,
      highestSequence: this.extendedHighestSequence >>> 0,
      jitter: this.jitter >>> 0,
      lastSenderReport: this.lastSrAt < 0 ? 0 : this.lastSr,
      delaySinceLastSenderReport:
        this.lastSrAt < 0 ? 0 : Math.floor(((nowMs - this.lastSrAt) / 1000) * 65536) >>> 0,
    };
  }

  private expected(): number {
    return this.started ? this.extendedHighestSequence - this.baseSeq + 1 : 0;
  }

  private initSequence(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = SEQ_MOD + 1;
    this.cycles = 0;
    this.packetsReceived = 0;
    this.bytesReceived = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
  }

  /** RFC 3550 A.1 update_seq, without the probation of new sources (SRTP already authenticated them). */
  private updateSequence(seq: number): boolean {
    const udelta = (seq - this.maxSeq + SEQ_MOD) % SEQ_MOD;
    if (udelta < MAX_DROPOUT) {
      if (seq < this.maxSeq) this.cycles += SEQ_MOD;
      this.maxSeq = seq;
    } else if (udelta <= SEQ_MOD - MAX_MISORDER) {
      // A very large jump: a restart if the next packet follows this one, else a stray packet.
      if (seq === this.badSeq) {
        this.initSequence(seq);
        return true;
      }
      this.badSeq = (seq + 1) & 0xffff;
      return false;
    }
    // Otherwise a duplicate or reordered packet: counted, the highest sequence unchanged.
    return true;
  }
}
