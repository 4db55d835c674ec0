/**
 * HyStart++ (RFC 9406), applied to SCTP's initial slow start: leave slow
 * start when the round trip grows (a queue is building at the bottleneck)
 * rather than at the first loss. Without it, slow start doubled cwnd until
 * the receiver's queue overflowed: with both peers of a data channel on
 * loopback (the receiver's socket buffer is the only queue) 420 of the first
 * 7,800 packets of a transfer were lost in one burst, recovery stalled the
 * channel for ~160 ms and the round trip reached 180 ms.
 *
 * Rounds are counted in TSNs: a round ends when the cumulative ack passes
 * the highest TSN sent when it began. In each round the smallest RTT sample
 * is kept; once a round has N_RTT_SAMPLE samples and its minimum exceeds
 * the previous round's by a threshold, cwnd grows a quarter as fast
 * (Conservative Slow Start) for CSS_ROUNDS rounds, then congestion avoidance
 * takes over; an RTT back below the baseline during CSS resumes slow start
 * (the rise was a fluke).
 */
import { tsnLte } from "./tsn.js";

/** RFC 9406 §4.3 constants (ms where a time). */
const MIN_RTT_THRESH = 4;
const MAX_RTT_THRESH = 16;
const MIN_RTT_DIVISOR = 8;
const N_RTT_SAMPLE = 8;
export const CSS_GROWTH_DIVISOR = 4;
const CSS_ROUNDS = 5;

export type SlowStartPhase = "slow-start" | "css" | "done";

export class SlowStartExit {
  phase: SlowStartPhase = "slow-start";
  /** TSN whose acknowledgement ends the current round; undefined before the first. */
  private windowEnd: number | undefined;
  private lastRoundMinRtt = Number.POSITIVE_INFINITY;
  private currentRoundMinRtt = Number.POSITIVE_INFINITY;
  private samples = 0;
  private cssBaselineMinRtt = Number.POSITIVE_INFINITY;
  private cssRounds = 0;

  /**
   * One SACK in slow start: its RTT sample (ms, if any), the cumulative ack
   * and the highest TSN sent. Returns true when slow start is over (the
   * caller sets ssthresh to cwnd).
   */
  onSack(rtt: number | undefined, cumAck: number, highestSent: number): boolean {
    if (this.phase === "done") return false;
    if (this.windowEnd === undefined || tsnLte(this.windowEnd, cumAck)) {
      // A new round (RFC 9406 §4.2).
      if (this.windowEnd !== undefined && this.phase === "css" && ++this.cssRounds >= CSS_ROUNDS) {
        this.phase = "done";
        return true;
      }
      this.windowEnd = highestSent;
      this.lastRoundMinRtt = this.currentRoundMinRtt;
      this.currentRoundMinRtt = Number.POSITIVE_INFINITY;
      this.samples = 0;
    }
    if (rtt === undefined) return false;
    if (rtt < this.currentRoundMinRtt) this.currentRoundMinRtt = rtt;
    if (++this.samples < N_RTT_SAMPLE) return false;
    if (this.phase === "slow-start") {
      if (this.lastRoundMinRtt === Number.POSITIVE_INFINITY) return false;
      const threshold = Math.max(
        MIN_RTT_THRESH,
        Math.min(this.lastRoundMinRtt / MIN_RTT_DIVISOR, MAX_RTT_THRESH),
      );
      if (this.currentRoundMinRtt >= this.lastRoundMinRtt + threshold) {
        this.cssBaselineMinRtt = this.currentRoundMinRtt;
        this.phase = "css";
        this.cssRounds = 0;
      }
    } else if (this.currentRoundMinRtt < this.cssBaselineMinRtt) {
      this.cssBaselineMinRtt = Number.POSITIVE_INFINITY;
      this.phase = "slow-start";
    }
    return false;
  }

  /** A loss or timeout ended slow start the classic way: HyStart++ is not used again (RFC 9406 §4.2). */
  end(): void {
    this.phase = "done";
  }
}
