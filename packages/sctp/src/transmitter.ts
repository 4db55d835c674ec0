/**
 * The data path of an association once it has a TCB: what arrives (DATA,
 * SACK, FORWARD-TSN, RE-CONFIG) and what goes out, bundled into packets up
 * to the MTU in the order RFC 9260 §6.10 suggests (control chunks and SACK
 * first, then retransmissions, then new DATA), within the congestion
 * window and the peer's receive window. Also the T3-rtx, delayed-SACK and
 * RE-CONFIG timer callbacks.
 */
import type { AssociationContext } from "./context.js";
import { SctpError } from "./errors.js";
import { pad4 } from "./packet/bytes.js";
import { type Chunk, chunkLength } from "./packet/chunk.js";
import { ChunkType, ParamType } from "./packet/constants.js";
import { DATA_HEADER, type DataChunk } from "./packet/data.js";
import type { ForwardTsnChunk } from "./packet/forward-tsn.js";
import { COMMON_HEADER, encodePacket } from "./packet/packet.js";
import type { ReconfigChunk, ReconfigParameter } from "./packet/reconfig.js";
import type { SackChunk } from "./packet/sack.js";
import type { SentChunk } from "./retransmit-queue.js";
import type { RequestOutcome } from "./stream-reset.js";
import type { Tcb } from "./tcb.js";
import { AssociationTimer } from "./timers.js";
import { tsnAdd, tsnLt } from "./tsn.js";

const MAX_RETRANSMITS = 10;
const SACK_DELAY = 200;
/** Tail loss probes between two acks at most. */
const MAX_PROBES = 4;

export class Transmitter {
  private controlQueue: Chunk[] = [];
  private scheduled = false;
  /** Within one received packet: DATA arrived / a SACK must go at once. */
  private dataInPacket = false;
  /** Gaps before this packet: a packet that fills one is acked at once (§6.7). */
  private hadGaps = false;
  private ackNow = false;
  /** Packets with DATA since our last SACK. */
  private unackedPackets = 0;
  private sackPending = false;
  private reconfigPending: ReconfigChunk | undefined;
  /** The packet being built. */
  private chunks: Chunk[] = [];
  private size = COMMON_HEADER;

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

  /** When the next probe fires: 2 SRTT (at least 5 ms), doubled per probe, if sooner than the RTO. */
  private armProbe(t: Tcb): void {
    const srtt = this.a.rto.srtt;
    if (this.probes >= MAX_PROBES || srtt === undefined || t.rtx.isEmpty) return;
    const pto = Math.max(5, 2 * srtt) * 2 ** this.probes;
    if (pto < this.a.rto.rto) this.probe.start(pto);
  }

  control(c: Chunk): void {
    this.controlQueue.push(c);
    this.schedule();
  }

  /** Sends soon (a microtask): several send() calls in a row share packets. */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(this.flushTask);
  }

  private readonly flushTask = (): void => {
    this.scheduled = false;
    this.flush();
  };

  beginPacket(): void {
    this.dataInPacket = false;
    this.hadGaps = this.a.tcb?.receiver.hasGaps ?? false;
  }

  /** After all chunks of a received packet: decide about the SACK (§6.2), then send. */
  endPacket(): void {
    const t = this.a.tcb;
    if (this.dataInPacket && t) {
      this.unackedPackets++;
      this.sackPending = true;
      if (
        this.ackNow ||
        this.unackedPackets >= 2 ||
        this.hadGaps ||
        t.receiver.hasGaps ||
        this.a.state !== "established"
      )
        this.ackNow = true;
      else this.a.delayedAck.ensure(SACK_DELAY);
      if (t.reset.hasDeferred) this.applyRequest(t.reset.tryDeferred(t.receiver.cumTsn));
    }
    this.flush();
  }

  onData(c: DataChunk): void {
    const t = this.a.tcb;
    if (!t) return;
    this.a.stats.dataChunksReceived++;
    this.dataInPacket = true;
    const r = t.receiver.receive(c);
    if (r !== "new" || c.immediate) this.ackNow = true;
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
    cc.onAck(out.bytesAcked, flightBefore, out.cumAdvanced);
    if (out.fastRetransmit > 0) {
      this.a.stats.fastRetransmits += out.fastRetransmit;
      cc.onFastRetransmit(t.rtx.highestTsn);
      t.fastRetransmitPending = true;
    }
    t.peerRwnd = Math.max(0, s.aRwnd - t.rtx.flightSize);
    if (t.c.peerForwardTsn && tsnLt(t.rtx.cumAck, t.rtx.advancedPeerAckPoint)) t.forwardTsnPending = true;
    this.checkAbandoned(t);
    if (t.rtx.isEmpty) {
      this.a.t3.stop();
      cc.onAllAcked();
    } else if (out.cumAdvanced) this.a.t3.start(this.a.rto.rto);
    this.armProbe(t);
  }

  /** FORWARD-TSN from the peer (RFC 3758 §3.6): skip, then SACK at once. */
  onForwardTsn(f: ForwardTsnChunk): void {
    const t = this.a.tcb;
    if (!t) return;
    t.receiver.forward(f);
    this.dataInPacket = true;
    this.ackNow = true;
  }

  onReconfig(c: ReconfigChunk): void {
    const t = this.a.tcb;
    if (!t) return;
    const responses: ReconfigParameter[] = [];
    for (const p of c.params) {
      if (p.type === ParamType.ReconfigResponse) {
        const r = t.reset.onResponse(p);
        if (r === "done") {
          this.a.reconfigTimer.stop();
          this.reconfigPending = undefined;
          this.schedule();
        } else if (r === "retry") this.a.reconfigTimer.start(this.a.rto.rto);
        continue;
      }
      const outcome = t.reset.onRequest(p, t.receiver.cumTsn);
      if (outcome.response) responses.push(outcome.response);
      this.applyRequest({ ...outcome, response: undefined });
    }
    if (responses.length > 0) this.control({ type: ChunkType.ReConfig, params: responses.slice(0, 2) });
  }

  private applyRequest(o: RequestOutcome): void {
    if (o.response) this.control({ type: ChunkType.ReConfig, params: [o.response] });
    if (o.reset) {
      this.a.tcb!.receiver.resetStreams(o.reset);
      this.a.onStreamsReset(o.reset);
    }
    if (o.addInbound) this.a.addInbound(o.addInbound);
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
    if (t.c.peerForwardTsn && tsnLt(t.rtx.cumAck, t.rtx.advancedPeerAckPoint)) t.forwardTsnPending = true;
    this.a.t3.start(this.a.rto.rto);
    this.flush();
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
    this.flush();
  };

  readonly onDelayedAck = (): void => {
    if (!this.sackPending) return;
    this.ackNow = true;
    this.flush();
  };

  readonly onReconfigTimer = (): void => {
    const t = this.a.tcb;
    if (!t?.reset.inFlight) return;
    this.reconfigPending = { type: ChunkType.ReConfig, params: [t.reset.inFlight] };
    this.a.rto.backoff();
    this.a.reconfigTimer.start(this.a.rto.rto);
    this.flush();
  };

  // ---- sending -------------------------------------------------------------------------------

  private add(c: Chunk, vtag: number, zero: boolean): void {
    const len = pad4(chunkLength(c));
    if (this.size + len > this.a.o.mtu && this.chunks.length > 0) this.emitPacket(vtag, zero);
    this.chunks.push(c);
    this.size += len;
  }

  private emitPacket(vtag: number, zero: boolean): void {
    if (this.chunks.length === 0) return;
    const packet = encodePacket(
      {
        sourcePort: this.a.o.localPort,
        destinationPort: this.a.o.remotePort,
        verificationTag: vtag,
        chunks: this.chunks,
      },
      { zeroChecksum: zero },
    );
    this.chunks = [];
    this.size = COMMON_HEADER;
    this.a.emit(packet);
  }

  /** Sends what may be sent now. */
  flush(): void {
    if (this.a.isDestroyed) return;
    const t = this.a.tcb;
    if (!t) {
      this.controlQueue = [];
      return;
    }
    const vtag = t.peerTag;
    const zero = t.zeroChecksum && this.a.state === "established";
    if (this.ackNow && this.sackPending) this.addSack(t, vtag, zero);
    for (const c of this.controlQueue) this.add(c, vtag, zero);
    this.controlQueue = [];
    if (t.forwardTsnPending) {
      t.forwardTsnPending = false;
      const f = t.rtx.forwardTsn();
      if (f) this.add({ type: ChunkType.ForwardTsn, ...f }, vtag, zero);
    }
    if (this.a.canSendData) {
      this.makeReconfig(t);
      if (this.reconfigPending) {
        this.add(this.reconfigPending, vtag, zero);
        this.reconfigPending = undefined;
      }
      const now = performance.now();
      if (t.rtx.toRetransmit > 0) this.retransmit(t, vtag, zero, now);
      this.sendNew(t, vtag, zero, now);
    }
    this.emitPacket(vtag, zero);
    if (!t.rtx.isEmpty) {
      this.a.t3.ensure(this.a.rto.rto);
      if (!this.probe.running) this.armProbe(t);
    }
    if (this.a.queue.isEmpty && t.rtx.isEmpty && !this.a.isDestroyed) {
      const before = this.a.state;
      this.a.onDrained();
      if (this.a.state !== before) this.flush();
    }
    this.a.flushLowEvents();
  }

  private addSack(t: Tcb, vtag: number, zero: boolean): void {
    const r = t.receiver;
    this.add(
      {
        type: ChunkType.Sack,
        cumulativeTsnAck: r.cumTsn,
        aRwnd: r.aRwnd,
        gapAckBlocks: r.gapBlocks(),
        duplicateTsns: r.takeDuplicates(),
      },
      vtag,
      zero,
    );
    this.ackNow = false;
    this.sackPending = false;
    this.unackedPackets = 0;
    this.a.delayedAck.stop();
  }

  private makeReconfig(t: Tcb): void {
    if (!t.reset.hasWanted || t.reset.inFlight) return;
    const req = t.reset.makeRequest((ids) => this.a.queue.drained(ids), tsnAdd(t.nextTsn, -1));
    if (!req) return;
    this.a.queue.resetSsn(req.streamIds);
    this.reconfigPending = { type: ChunkType.ReConfig, params: [req] };
    this.a.reconfigTimer.start(this.a.rto.rto);
  }

  /** PR-SCTP: a chunk whose message ran out of retransmissions or lifetime is abandoned (RFC 3758 §3.5). */
  private expired(s: SentChunk, now: number): boolean {
    const m = s.message;
    if (m.abandoned) return true;
    return (
      (m.maxRetransmits >= 0 && s.transmissions > m.maxRetransmits) ||
      (m.expiresAt !== 0 && now >= m.expiresAt)
    );
  }

  private abandon(t: Tcb, s: SentChunk): void {
    t.rtx.abandon(s.message);
    if (t.c.peerForwardTsn) t.forwardTsnPending = true;
  }

  private checkAbandoned(t: Tcb): void {
    if (t.forwardTsnPending) {
      const f = t.rtx.forwardTsn();
      t.forwardTsnPending = false;
      if (f) this.control({ type: ChunkType.ForwardTsn, ...f });
    }
  }

  private retransmit(t: Tcb, vtag: number, zero: boolean, now: number): void {
    const rtx = t.rtx;
    let first = t.fastRetransmitPending;
    t.fastRetransmitPending = false;
    for (let i = 0; i < rtx.length && rtx.toRetransmit > 0; i++) {
      const s = rtx.at(i)!;
      if (!s.retransmit) continue;
      if (this.expired(s, now)) {
        this.abandon(t, s);
        continue;
      }
      // Fast retransmit sends one packet's worth whatever cwnd says (§7.2.4 3).
      if (!first && rtx.flightSize + s.size > t.cc.cwnd) break;
      first = first && this.size + s.size <= this.a.o.mtu;
      s.retransmit = false;
      rtx.toRetransmit--;
      s.inFlight = true;
      rtx.flightSize += s.size;
      s.transmissions++;
      s.sentAt = now;
      s.sendSeq = rtx.sendSeq++;
      this.a.stats.retransmissions++;
      this.a.stats.dataChunksSent++;
      this.add(s.chunk, vtag, zero);
    }
    if (t.forwardTsnPending) {
      t.forwardTsnPending = false;
      const f = rtx.forwardTsn();
      if (f) this.add({ type: ChunkType.ForwardTsn, ...f }, vtag, zero);
    }
  }

  private sendNew(t: Tcb, vtag: number, zero: boolean, now: number): void {
    const rtx = t.rtx;
    const q = this.a.queue;
    const maxPayload = (this.a.o.mtu - COMMON_HEADER - DATA_HEADER) & ~3;
    let last: DataChunk | undefined;
    while (rtx.flightSize < t.cc.cwnd && (t.peerRwnd > 0 || rtx.flightSize === 0)) {
      if (!q.peek(now)) break;
      const { chunk, message } = q.nextChunk(t.nextTsn, maxPayload);
      t.nextTsn = tsnAdd(t.nextTsn, 1);
      const size = DATA_HEADER + chunk.userData.length;
      rtx.add({
        chunk,
        message,
        size,
        sentAt: now,
        transmissions: 1,
        acked: false,
        inFlight: true,
        missingReports: 0,
        sendSeq: rtx.sendSeq++,
        retransmit: false,
      });
      t.peerRwnd = Math.max(0, t.peerRwnd - size);
      this.a.stats.dataChunksSent++;
      this.add(chunk, vtag, zero);
      last = chunk;
    }
    // SACK-IMMEDIATELY (RFC 7053) on the last chunk when nothing more is
    // queued or the window is small: a delayed SACK would only stall us.
    if (last && (!q.peek(now) || t.cc.cwnd <= 2 * this.a.o.mtu)) last.immediate = true;
  }

  clear(): void {
    this.probe.dispose();
    this.controlQueue = [];
    this.chunks = [];
    this.size = COMMON_HEADER;
    this.reconfigPending = undefined;
  }
}
