/**
 * Path heartbeat (RFC 9260 §8.3): on an idle path (nothing in flight, no
 * DATA sent for a heartbeat period) a HEARTBEAT goes out every RTO +
 * HB.interval, jittered by ±50 % of the RTO. Its Heartbeat Information is
 * ours: a random nonce and the send time, so the HEARTBEAT-ACK gives an RTT
 * sample and a forged or stale ACK is ignored. A HEARTBEAT unanswered
 * within one RTO counts as an error (§8.1: the association's error counter,
 * shared with T3-rtx; one path) and backs the RTO off; past
 * Association.Max.Retrans the association fails.
 *
 * One timer, two phases: "idle" (the next heartbeat is due) and "waiting"
 * (a HEARTBEAT is out, its ACK due within one RTO).
 */
import type { AssociationContext, HeartbeatLike } from "./context.js";
import { SctpError } from "./errors.js";
import { ChunkType } from "./packet/constants.js";
import { randomFill } from "./random.js";
import { MAX_RETRANSMITS } from "./tcb.js";
import { AssociationTimer } from "./timers.js";

/** Bytes of our Heartbeat Information: an 8-byte nonce and the send time as a float64. */
const INFO_LENGTH = 16;

/** HEARTBEAT on an idle path, HEARTBEAT-ACK checking, and the error count of unanswered ones. */
export class Heartbeat implements HeartbeatLike {
  private readonly timer: AssociationTimer;
  private waiting = false;
  /** The nonce of the HEARTBEAT out, when waiting. */
  private readonly nonce = new Uint8Array(8);
  /** When DATA last went out (performance.now()); the path is idle a heartbeat period after it. */
  private lastDataSent = 0;

  constructor(
    private readonly a: AssociationContext,
    /** HB.interval in ms; 0 = no heartbeats. */
    private readonly interval: number,
  ) {
    this.timer = new AssociationTimer(this.onTimer);
  }

  /** The association is established: heartbeats start (a no-op when disabled or running). */
  start(): void {
    if (this.interval === 0 || this.timer.running) return;
    this.waiting = false;
    this.timer.start(this.period());
  }

  /** DATA went out: the path is not idle (a field write; called per flush that sent DATA). */
  dataSent(now: number): void {
    this.lastDataSent = now;
  }

  /** RTO + HB.interval, with the RTO jittered by ±50 % (§8.3). */
  private period(): number {
    return this.interval + this.a.rto.rto * (0.5 + Math.random());
  }

  private readonly onTimer = (): void => {
    const a = this.a;
    const t = a.tcb;
    if (!t || a.isDestroyed || !a.canSendData) return;
    if (this.waiting) {
      // No ACK within one RTO (§8.3): an error, and the RTO backs off.
      this.waiting = false;
      a.stats.heartbeatTimeouts++;
      if (++t.errorCount > MAX_RETRANSMITS) {
        a.fail(
          new SctpError(
            "ERR_TOO_MANY_RETRANSMISSIONS",
            "Association.Max.Retrans unanswered HEARTBEATs (RFC 9260 §8.1, §8.3)",
          ),
        );
        return;
      }
      a.rto.backoff();
      this.timer.start(this.period());
      return;
    }
    const now = performance.now();
    // Not idle: chunks in flight (T3-rtx watches the path) or DATA sent within the period.
    const idleAt = this.lastDataSent + this.interval;
    if (!t.rtx.isEmpty || now < idleAt) {
      this.timer.start(t.rtx.isEmpty ? idleAt - now + 1 : this.period());
      return;
    }
    const info = new Uint8Array(INFO_LENGTH);
    randomFill(this.nonce);
    info.set(this.nonce, 0);
    new DataView(info.buffer).setFloat64(8, now);
    this.waiting = true;
    a.stats.heartbeatsSent++;
    a.tx.control({ type: ChunkType.Heartbeat, info });
    this.timer.start(a.rto.rto);
  };

  /** A HEARTBEAT-ACK: if it answers the HEARTBEAT out, an RTT sample and the error counter cleared. */
  onAck(info: Uint8Array): void {
    const a = this.a;
    if (!this.waiting || info.length !== INFO_LENGTH || !a.tcb) return;
    for (let i = 0; i < 8; i++) if (info[i] !== this.nonce[i]) return; // not ours, or an old one
    const sentAt = new DataView(info.buffer, info.byteOffset, INFO_LENGTH).getFloat64(8);
    const rtt = performance.now() - sentAt;
    if (!(rtt >= 0)) return;
    this.waiting = false;
    a.stats.heartbeatAcks++;
    a.rto.sample(rtt);
    a.tcb.errorCount = 0;
    this.timer.start(this.period());
  }

  dispose(): void {
    this.timer.dispose();
    this.waiting = false;
  }
}
