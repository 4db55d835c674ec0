/**
 * Congestion control and the retransmission timeout of RFC 9260: RTO from
 * measured RTT (§6.3.1), slow start and congestion avoidance with cwnd,
 * ssthresh and partial_bytes_acked (§7.2.1, §7.2.2), the reactions to
 * fast retransmit (§7.2.4) and T3-rtx expiry (§7.2.3); the initial slow
 * start ends on a growing round trip (HyStart++, slow-start-exit.ts).
 */
import { CSS_GROWTH_DIVISOR, SlowStartExit } from "./slow-start-exit.js";

/** RTO.Alpha = 1/8, RTO.Beta = 1/4 (RFC 9260 §16). */
export class RtoEstimator {
  srtt: number | undefined;
  /**
   * The round trip of the handshake (INIT → INIT-ACK, COOKIE-ECHO →
   * COOKIE-ACK, neither resent). Not an RTO sample (§6.3.1 C1 keeps
   * RTO.Initial until DATA is measured): the tail loss probe uses it while
   * there is no SRTT, so a first flight whose only SACK is lost is probed
   * after a few ms instead of waiting RTO.Initial (500 ms) and then a
   * backed-off RTO (measured: 1 MiB at 10 % loss took 1.6 s instead of 0.1 s).
   */
  handshakeRtt: number | undefined;
  private rttvar = 0;
  rto: number;

  constructor(
    private readonly initial: number,
    private readonly min: number,
    private readonly max: number,
  ) {
    this.rto = initial;
  }

  /** A handshake round trip in ms (the latest counts). */
  handshakeSample(r: number): void {
    if (r >= 0) this.handshakeRtt = r;
  }

  /** One RTT measurement R in ms (§6.3.1 C2, C3). */
  sample(r: number): void {
    if (this.srtt === undefined) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    // G (clock granularity) taken as 1 ms so RTTVAR never collapses to 0 on a quiet link.
    this.rto = Math.min(this.max, Math.max(this.min, this.srtt + Math.max(1, 4 * this.rttvar)));
  }

  /**
   * The cumulative ack moved without an RTT sample (every chunk acked was a
   * retransmission, Karn): drop the backoff, back to SRTT + 4 RTTVAR. Without
   * this, at 30 % loss nearly every ack is of a retransmission and the RTO
   * stays doubled for seconds (measured: 1 MiB took 50 s instead of 9 s).
   */
  clearBackoff(): void {
    if (this.srtt === undefined) return;
    this.rto = Math.min(this.max, Math.max(this.min, this.srtt + Math.max(1, 4 * this.rttvar)));
  }

  /** T3-rtx or T1 expired: back off (§6.3.3 E2). */
  backoff(): void {
    this.rto = Math.min(this.max, this.rto * 2);
  }

  /** Back to the initial value (a restart). */
  reset(): void {
    this.srtt = undefined;
    this.handshakeRtt = undefined;
    this.rttvar = 0;
    this.rto = this.initial;
  }
}

export class CongestionControl {
  cwnd: number;
  ssthresh: number;
  /** HyStart++ (RFC 9406) for the initial slow start. */
  readonly slowStartExit = new SlowStartExit();
  private partialBytesAcked = 0;
  /** While set, fast recovery: no further cwnd reduction until the cumulative ack passes this TSN. */
  fastRecoveryExit: number | undefined;

  constructor(
    private readonly mtu: number,
    peerRwnd: number,
  ) {
    // §7.2.1: initial cwnd = min(4 * MTU, max(2 * MTU, 4380)); ssthresh = the peer's a_rwnd.
    this.cwnd = Math.min(4 * mtu, Math.max(2 * mtu, 4380));
    this.ssthresh = peerRwnd;
  }

  /**
   * A SACK acknowledged `bytesAcked` new bytes; `flightBefore` was the flight
   * size before it; `cumAdvanced` says whether the cumulative ack moved.
   */
  onAck(bytesAcked: number, flightBefore: number, cumAdvanced: boolean): void {
    if (bytesAcked === 0 || this.fastRecoveryExit !== undefined) return;
    // Grow only when the window was (nearly) used: an application-limited
    // sender must not inflate cwnd it never tested (§7.2.1, §7.2.2).
    const utilized = flightBefore + this.mtu >= this.cwnd;
    if (this.cwnd <= this.ssthresh) {
      if (!cumAdvanced || !utilized) return;
      const grow = Math.min(bytesAcked, this.mtu);
      // Conservative slow start (RFC 9406 §4.2): a quarter of the growth.
      this.cwnd += this.slowStartExit.phase === "css" ? Math.ceil(grow / CSS_GROWTH_DIVISOR) : grow;
      return;
    }
    this.partialBytesAcked += bytesAcked;
    if (this.partialBytesAcked >= this.cwnd && utilized) {
      this.partialBytesAcked -= this.cwnd;
      this.cwnd += this.mtu;
    }
  }

  /**
   * Each SACK, before {@link onAck}: its RTT sample (ms), the cumulative ack
   * and the highest TSN sent, for HyStart++ while in slow start; when it
   * says the round trip grew, slow start ends (ssthresh = cwnd).
   */
  onSackRtt(rtt: number | undefined, cumAck: number, highestSent: number): void {
    if (this.cwnd > this.ssthresh) return;
    if (this.slowStartExit.onSack(rtt, cumAck, highestSent)) this.ssthresh = this.cwnd;
  }

  /** Everything outstanding was acknowledged (§7.2.2: partial_bytes_acked = 0). */
  onAllAcked(): void {
    this.partialBytesAcked = 0;
  }

  /** Entering fast recovery (§7.2.4), `highestOutstanding` marks its end. */
  onFastRetransmit(highestOutstanding: number): void {
    if (this.fastRecoveryExit !== undefined) return;
    this.slowStartExit.end();
    this.ssthresh = Math.max(this.cwnd / 2, 4 * this.mtu);
    this.cwnd = this.ssthresh;
    this.partialBytesAcked = 0;
    this.fastRecoveryExit = highestOutstanding;
  }

  /** T3-rtx expired (§7.2.3). */
  onTimeout(): void {
    this.slowStartExit.end();
    this.ssthresh = Math.max(this.cwnd / 2, 4 * this.mtu);
    this.cwnd = this.mtu;
    this.partialBytesAcked = 0;
    this.fastRecoveryExit = undefined;
  }
}
