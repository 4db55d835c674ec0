/**
 * The data path of an association once it has a TCB: what arrives (DATA,
 * FORWARD-TSN, RE-CONFIG) and the SACKs it calls for, and what goes out,
 * bundled into packets up to the MTU in the order RFC 9260 §6.10 suggests
 * (control chunks and SACK first, then retransmissions, then new DATA),
 * within the congestion window and the peer's receive window. Also the delayed-SACK and RE-CONFIG
 * timer callbacks. What SACKs and timeouts say about the chunks in flight is
 * loss-recovery.ts.
 */
import { abandonedEnd } from "./abandoned-end.js";
import type { AssociationContext, LossRecoveryLike } from "./context.js";
import { pad4 } from "./packet/bytes.js";
import { type Chunk, chunkLength } from "./packet/chunk.js";
import { ChunkType, ParamType } from "./packet/constants.js";
import { DATA_HEADER } from "./packet/data.js";
import type { ForwardTsnChunk } from "./packet/forward-tsn.js";
import { I_DATA_HEADER, type UserDataChunk } from "./packet/i-data.js";
import type { IForwardTsnChunk } from "./packet/i-forward-tsn.js";
import { COMMON_HEADER, encodePacket, type SctpPacket } from "./packet/packet.js";
import type { ReconfigChunk, ReconfigParameter } from "./packet/reconfig.js";
import type { SentChunk } from "./retransmit-queue.js";
import type { RequestOutcome } from "./stream-reset.js";
import type { Tcb } from "./tcb.js";
import { tsnAdd } from "./tsn.js";

const SACK_DELAY = 200;
const ZERO_CHECKSUM = { zeroChecksum: true };
const CRC32C = { zeroChecksum: false };
/** Smallest fragment cut to fill a packet (a DATA header is 16 bytes). */
const FILL_MIN = 64;

/** Incoming DATA and the SACKs it calls for; bundling and sending of every outgoing chunk. */
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
  /** A SACK is due once the datagrams read in this turn of the event loop are handled. */
  private batchAck: NodeJS.Immediate | undefined;
  private reconfigPending: ReconfigChunk | undefined;
  /** Packets begun with a DATA chunk in slow start (every second one asks for an immediate SACK). */
  private slowStartPackets = 0;
  /** The packet being built. */
  private chunks: Chunk[] = [];
  private readonly packet: SctpPacket = { sourcePort: 0, destinationPort: 0, verificationTag: 0, chunks: [] };
  private size = COMMON_HEADER;

  constructor(
    private readonly a: AssociationContext,
    private readonly recovery: LossRecoveryLike,
  ) {}

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
      if (this.ackNow || this.hadGaps || t.receiver.hasGaps || this.a.state !== "established")
        this.ackNow = true;
      else if (this.unackedPackets >= 2) {
        // "At least every second packet" (§6.2), counted per batch: Node hands
        // over the datagrams one socket read delivers (up to 32) one by one, and
        // a SACK after the last of them acknowledges them all, as TCP does after
        // receive offload. A SACK per second packet was a third of all
        // datagrams in a bulk transfer, each costing a DTLS record both ways.
        this.batchAck ??= setImmediate(this.onBatchEnd);
        this.a.delayedAck.ensure(SACK_DELAY);
      } else this.a.delayedAck.ensure(SACK_DELAY);
      if (t.reset.hasDeferred) this.applyRequest(t.reset.tryDeferred(t.receiver.cumTsn));
    }
    this.flush();
  }

  onData(c: UserDataChunk): void {
    const t = this.a.tcb;
    if (!t) return;
    this.a.stats.dataChunksReceived++;
    this.dataInPacket = true;
    const r = t.receiver.receive(c);
    if (r !== "new" || c.immediate) this.ackNow = true;
  }

  /** FORWARD-TSN (RFC 3758 §3.6) or I-FORWARD-TSN (RFC 8260 §2.3.1) from the peer: skip, then SACK at once. */
  onForwardTsn(f: ForwardTsnChunk | IForwardTsnChunk): void {
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

  private readonly onBatchEnd = (): void => {
    this.batchAck = undefined;
    if (!this.sackPending || this.a.isDestroyed) return;
    this.ackNow = true;
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
    // One packet description and chunk list, reused: encodePacket only reads them.
    const p = this.packet;
    p.sourcePort = this.a.o.localPort;
    p.destinationPort = this.a.o.remotePort;
    p.verificationTag = vtag;
    p.chunks = this.chunks;
    const packet = encodePacket(p, zero ? ZERO_CHECKSUM : CRC32C);
    this.chunks.length = 0;
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
      if (f) this.add(f, vtag, zero);
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
      this.recovery.armProbeIfIdle(t);
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
    if (this.batchAck) {
      clearImmediate(this.batchAck);
      this.batchAck = undefined;
    }
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
    const m = s.message;
    const first = !m.abandoned;
    t.rtx.abandon(m);
    // Abandoned before its last fragment was cut: a placeholder end fragment
    // takes the next TSN, abandoned, so the FORWARD-TSN passes it and names
    // the message even when every fragment sent was received.
    if (first && m.offset < m.data.length) {
      t.rtx.add(abandonedEnd(m, t.nextTsn, t.interleaving));
      t.nextTsn = tsnAdd(t.nextTsn, 1);
    }
    if (t.c.peerForwardTsn) t.forwardTsnPending = true;
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
      this.a.heartbeat.dataSent(now);
    }
    if (t.forwardTsnPending) {
      t.forwardTsnPending = false;
      const f = rtx.forwardTsn();
      if (f) this.add(f, vtag, zero);
    }
  }

  private sendNew(t: Tcb, vtag: number, zero: boolean, now: number): void {
    const rtx = t.rtx;
    const q = this.a.queue;
    q.setInterleaving(t.interleaving);
    const header = t.interleaving ? I_DATA_HEADER : DATA_HEADER;
    const maxPayload = (this.a.o.mtu - COMMON_HEADER - header) & ~3;
    // In slow start cwnd grows by at most one MTU per SACK (§7.2.1): a receiver
    // that acknowledges once per batch (ours, or one doing receive offload)
    // would make that one MTU per round trip. Every second packet carries the
    // I bit (RFC 7053) so the SACKs come as often as the RFC's "every second
    // packet"; in congestion avoidance growth counts bytes, and batched SACKs cost nothing.
    const slowStart = t.cc.cwnd <= t.cc.ssthresh;
    let last: UserDataChunk | undefined;
    while (rtx.flightSize < t.cc.cwnd && (t.peerRwnd > 0 || rtx.flightSize === 0)) {
      const head = q.peek(now);
      if (!head) break;
      // A reliable message's next fragment takes the room left in the packet
      // being built: 1 KiB messages (1052 bytes a packet) went one a packet;
      // filled, 8 % fewer datagrams, each a DTLS record. A partially reliable
      // one is not split for that: a fragment lost would lose the message.
      let payload = maxPayload;
      const room = (this.a.o.mtu - this.size - header) & ~3;
      if (room >= FILL_MIN && room < payload && head.maxRetransmits < 0 && head.expiresAt === 0)
        payload = room;
      const sent = q.nextChunk(t.nextTsn, payload, now, rtx.sendSeq++);
      const { chunk, size } = sent;
      t.nextTsn = tsnAdd(t.nextTsn, 1);
      rtx.add(sent);
      t.peerRwnd = Math.max(0, t.peerRwnd - size);
      if (slowStart && (this.size === COMMON_HEADER || this.size + pad4(size) > this.a.o.mtu))
        if (++this.slowStartPackets % 2 === 0) chunk.immediate = true;
      this.a.stats.dataChunksSent++;
      this.add(chunk, vtag, zero);
      last = chunk;
    }
    // SACK-IMMEDIATELY (RFC 7053) on the last chunk when nothing more is
    // queued or the window is small: a delayed SACK would only stall us.
    if (!last) return;
    this.a.heartbeat.dataSent(now);
    if (!q.peek(now) || t.cc.cwnd <= 2 * this.a.o.mtu) last.immediate = true;
  }

  clear(): void {
    if (this.batchAck) clearImmediate(this.batchAck);
    this.batchAck = undefined;
    this.controlQueue = [];
    this.chunks = [];
    this.size = COMMON_HEADER;
    this.reconfigPending = undefined;
  }
}
