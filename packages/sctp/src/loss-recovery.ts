/**
 * What an association learns from the peer's SACKs and from silence: RTT
 * samples, congestion window updates, fast retransmit (RFC 9260 §7.2.4),
 * abandoned PR-SCTP chunks announced by FORWARD-TSN (RFC 3758), the T3-rtx
 * timer (§6.3.3) and the tail loss probe. It marks chunks for retransmission;
 * transmitter.ts sends them.
 */
import type { AssociationContext } from "./context.js";
import { SctpError } from "./errors.js";
import type { SackChunk } from "./packet/sack.js";
import { MAX_RETRANSMITS, type Tcb } from "./tcb.js";
import { AssociationTimer } from "./timers.js";
import { tsnLt } from "./tsn.js";

/** Tail loss probes between two acks at most. */
const MAX_PROBES = 4;

/** SACK processing, T3-rtx and the tail loss probe of one association. */
export class LossRecovery {
  /**
   * Tail loss probe (RFC 8985's idea): after 2 SRTT without an ack, send the
   * last chunk again; again after 4, 8, 16 SRTT while that is sooner than the
   * RTO (2 SRTT is at least 5 ms: Node's timers count milliseconds). One probe left T3 to repair 11 of 27 tail losses at 30 % loss (the
   * probe or its SACK lost too); each T3 costs at least RTO.Min.
   */
  private readonly probe: AssociationTimer;
  private probes = 0;

  constructor(private readonly a: AssociationContext) {
    this.probe = new AssociationTimer(this.onProbe);
  }

  /**
   * When the next probe fires: 2 SRTT (at least 5 ms; before DATA has given
   * an SRTT, the handshake's round trip), doubled per probe, if sooner than the RTO.
   */
  private armProbe(t: Tcb): void {
    const srtt = this.a.rto.srtt ?? this.a.rto.handshakeRtt;
    if (this.probes >= MAX_PROBES || srtt === undefined || t.rtx.isEmpty) return;
    const pto = Math.max(5, 2 * srtt) * 2 ** this.probes;
    if (pto < this.a.rto.rto) this.probe.start(pto);
  }

  /** After sending with chunks in flight: arms the probe unless it is already waiting. */
  armProbeIfIdle(t: Tcb): void {
    if (!this.probe.running) this.armProbe(t);
  }

  onSack(s: SackChunk): void {
    const t = this.a.tcb;
    if (!t) return;
    const flightBefore = t.rtx.flightSize;
    const out = t.rtx.onSack(s, performance.now());
    if (out.ignored) return;
    if (out.rtt !== undefined) this.a.rto.sample(out.rtt);
    else if (out.cumAdvanced) this.a.rto.clearBackoff();
    if (out.bytesAcked > 0) {
      t.errorCount = 0;
      this.probes = 0;
      this.probe.stop();
    }
    const cc = t.cc;
    if (cc.fastRecoveryExit !== undefined && !tsnLt(t.rtx.cumAck, cc.fastRecoveryExit))
      cc.fastRecoveryExit = undefined;
    cc.onSackRtt(out.rtt, t.rtx.cumAck, t.rtx.highestTsn);
    cc.onAck(out.bytesAcked, flightBefore, out.cumAdvanced);
    if (out.fastRetransmit > 0) {
      this.a.stats.fastRetransmits += out.fastRetransmit;
      cc.onFastRetransmit(t.rtx.highestTsn);
      t.fastRetransmitPending = true;
    }
    t.peerRwnd = Math.max(0, s.aRwnd - t.rtx.flightSize);
    // C1/C3 (RFC 3758 §3.5): also when the ack reached a chunk abandoned while one before it was outstanding.
    if (
      t.c.peerForwardTsn &&
      (tsnLt(t.rtx.cumAck, t.rtx.advancedPeerAckPoint) || (out.cumAdvanced && t.rtx.at(0)?.message.abandoned))
    )
      t.forwardTsnPending = true;
    this.checkAbandoned(t);
    if (t.rtx.isEmpty) {
      this.a.t3.stop();
      cc.onAllAcked();
    } else if (out.cumAdvanced) this.a.t3.start(this.a.rto.rto);
    this.armProbe(t);
  }

  private checkAbandoned(t: Tcb): void {
    if (t.forwardTsnPending) {
      const f = t.rtx.forwardTsn();
      t.forwardTsnPending = false;
      if (f) this.a.tx.control(f);
    }
  }

  // ---- timers --------------------------------------------------------------------------------

  /** T3-rtx expired (RFC 9260 §6.3.3). */
  readonly onT3 = (): void => {
    const t = this.a.tcb;
    if (!t || t.rtx.isEmpty) return;
    if (++t.errorCount > MAX_RETRANSMITS) {
      this.a.fail(
        new SctpError("ERR_TOO_MANY_RETRANSMISSIONS", "Association.Max.Retrans reached (RFC 9260 §8.1)"),
      );
      return;
    }
    this.a.stats.timeouts++;
    this.a.rto.backoff();
    t.cc.onTimeout();
    t.rtx.markAllForRetransmit();
    if (
      t.c.peerForwardTsn &&
      (tsnLt(t.rtx.cumAck, t.rtx.advancedPeerAckPoint) || t.rtx.at(0)?.message.abandoned)
    )
      t.forwardTsnPending = true;
    this.a.t3.start(this.a.rto.rto);
    this.a.tx.flush();
  };

  private readonly onProbe = (): void => {
    const t = this.a.tcb;
    if (!t || this.probes >= MAX_PROBES || !this.a.canSendData) return;
    this.probes++;
    // The last chunk again; or, when chunks already wait for retransmission
    // behind a full cwnd (lost ones still counted in flight until T3), the
    // first of them: either way one packet, whatever cwnd says.
    if (!t.rtx.markProbe() && t.rtx.toRetransmit === 0) return;
    this.a.stats.probes++;
    t.fastRetransmitPending = true;
    this.a.tx.flush();
  };

  clear(): void {
    this.probe.dispose();
  }
}
