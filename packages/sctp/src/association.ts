/**
 * An SCTP association (RFC 9260) as WebRTC uses it: one path, packets
 * through an {@link SctpPacketTransport}, with PR-SCTP (RFC 3758) and stream
 * reset (RFC 6525). This file holds the state machine and the public API;
 * inbound.ts checks and dispatches the chunks that arrive, and the data path
 * lives in transmitter.ts (sending), loss-recovery.ts (SACKs, T3-rtx,
 * probes), reassembly.ts (receiving), retransmit-queue.ts and congestion.ts.
 *
 * States (RFC 9260 §4, simplified to what one endpoint sees):
 *
 * ```
 *                      closed ──── receive INIT: answer INIT-ACK with a signed cookie, keep no state
 *                        │  \
 *           connect():   │   receive valid COOKIE-ECHO: make TCB, send COOKIE-ACK ──────────┐
 *           send INIT,   │                                                                  │
 *           start T1     ▼                                                                  │
 *                   cookie-wait ── receive INIT-ACK: send COOKIE-ECHO, restart T1           │
 *                        │        (receive INIT: INIT-ACK with the same tag, §5.2.1)        │
 *                        ▼                                                                  │
 *                  cookie-echoed ── receive COOKIE-ACK (or a cookie of the collision) ──────┤
 *                                                                                           ▼
 *                                                                                      established
 *       shutdown(): ──────────────────────────────────────────────────────────────────────┤    │ receive SHUTDOWN
 *                  ▼                                                                           ▼
 *           shutdown-pending ── all data acked: send SHUTDOWN, T2          shutdown-received ── all data acked:
 *                  ▼                                                                           │ send SHUTDOWN-ACK, T2
 *            shutdown-sent ── receive SHUTDOWN-ACK: send SHUTDOWN-COMPLETE ──┐                 ▼
 *                  │   (receive SHUTDOWN: send SHUTDOWN-ACK → shutdown-ack-sent) │      shutdown-ack-sent
 *                  │                                                          ▼                │ receive SHUTDOWN-COMPLETE
 *                  └─────────────────────────────────────────────────────► closed ◄────────────┘
 *   From any state: ABORT sent or received, close(), too many retransmissions → closed (for good).
 * ```
 */
import { whenAborted } from "@purertc/socket";
import {
  type SctpAssociationLike,
  type SctpAssociationOptions,
  type SctpAssociationState,
  SctpBufferedAmountLowEvent,
  SctpCloseEvent,
  type SctpSendOptions,
  type SctpStats,
  SctpStreamResetEvent,
} from "./association-types.js";
import { RtoEstimator } from "./congestion.js";
import type { AssociationContext } from "./context.js";
import { SctpError } from "./errors.js";
import { Heartbeat } from "./heartbeat.js";
import { Inbound } from "./inbound.js";
import { LossRecovery } from "./loss-recovery.js";
import { type ResolvedOptions, resolveOptions } from "./options.js";
import type { ErrorCause } from "./packet/causes.js";
import type { Chunk } from "./packet/chunk.js";
import { CauseCode, ChunkType } from "./packet/constants.js";
import { decodePacket, encodePacket, type SctpPacket } from "./packet/packet.js";
import type { ReceiverSink } from "./receiver-sink.js";
import { SendQueue } from "./send-queue.js";
import { Setup } from "./setup.js";
import { Shutdown } from "./shutdown.js";
import { zeroStats } from "./stats.js";
import type { Tcb } from "./tcb.js";
import { AssociationTimer } from "./timers.js";
import { Transmitter } from "./transmitter.js";

/**
 * An SCTP association. Give it received packets with {@link handlePacket};
 * it sends through `options.transport`. Events: "open", "message",
 * "bufferedamountlow", "streamreset", "close" (see association-types.ts).
 */
export class SctpAssociation extends EventTarget implements SctpAssociationLike, AssociationContext {
  #state: SctpAssociationState = "closed";
  private destroyed = false;
  /** @internal */ readonly o: ResolvedOptions;
  private readonly transport: SctpAssociationOptions["transport"];
  /** @internal */ readonly queue: SendQueue;
  /** @internal */ tcb: Tcb | undefined;
  /** @internal */ readonly rto: RtoEstimator;
  /** @internal */ readonly tx: Transmitter;
  /** @internal */ readonly recovery: LossRecovery;
  /** @internal */ readonly heartbeat: Heartbeat;
  private readonly setup: Setup;
  private readonly closing: Shutdown;
  private readonly inbound: Inbound;
  /** @internal Where the receiver delivers (inbound.ts). */
  readonly sink: ReceiverSink;
  /** @internal */ readonly t3: AssociationTimer;
  /** @internal */ readonly delayedAck: AssociationTimer;
  #reconfigTimer: AssociationTimer | undefined;
  private lowStreams: number[] = [];
  private unlinkSignal: () => void;
  /** @internal */ readonly stats: SctpStats;

  constructor(options: SctpAssociationOptions) {
    super();
    const o = resolveOptions(options);
    this.o = o;
    this.transport = options.transport;
    this.queue = new SendQueue(this.onBufferedAmountLow);
    this.rto = new RtoEstimator(o.rtoInitial, o.rtoMin, o.rtoMax);
    this.recovery = new LossRecovery(this);
    this.heartbeat = new Heartbeat(this, o.heartbeatInterval);
    this.tx = new Transmitter(this, this.recovery);
    this.setup = new Setup(this, o.cookieLifetime);
    this.closing = new Shutdown(this);
    this.inbound = new Inbound(this, this.setup, this.closing, this.tx, this.recovery);
    this.sink = this.inbound.sink;
    this.t3 = new AssociationTimer(this.recovery.onT3);
    this.delayedAck = new AssociationTimer(this.tx.onDelayedAck);
    this.stats = zeroStats(o.rtoInitial);
    this.unlinkSignal = whenAborted(options.signal, this.onSignalAbort);
  }

  /** @internal RE-CONFIG retransmission; made on first use (most associations never reset a stream). */
  get reconfigTimer(): AssociationTimer {
    this.#reconfigTimer ??= new AssociationTimer(this.tx.onReconfigTimer);
    return this.#reconfigTimer;
  }

  /** The RFC 9260 state ("closed" before connect() and after the end). */
  get state(): SctpAssociationState {
    return this.#state;
  }

  /** Negotiated outbound streams (our request until established). */
  get maxOutboundStreams(): number {
    return this.tcb?.outboundStreams ?? this.o.maxOutboundStreams;
  }

  /** Negotiated inbound streams. */
  get maxInboundStreams(): number {
    return this.tcb?.inboundStreams ?? this.o.maxInboundStreams;
  }

  /** Sends INIT; a no-op if the association is already being set up (the peer's INIT came first). */
  connect(): void {
    if (this.destroyed) throw new SctpError("ERR_CLOSED", "association is closed");
    this.setup.connect();
  }

  /**
   * One received SCTP packet. Bad input is counted (`packetsDropped`) and
   * dropped; never throws. The association keeps views of `packet` until
   * the messages in it are delivered: do not reuse the buffer.
   */
  handlePacket(packet: Uint8Array): void {
    if (this.destroyed) return;
    this.stats.packetsReceived++;
    this.stats.bytesReceived += packet.length;
    let p: SctpPacket;
    try {
      p = decodePacket(packet, { acceptZeroChecksum: true });
    } catch (e) {
      if (!(e instanceof SctpError)) throw e;
      this.stats.packetsDropped++;
      return;
    }
    if (p.destinationPort !== this.o.localPort || p.chunks.length === 0 || !this.inbound.accept(p))
      this.stats.packetsDropped++;
  }

  // ---- user API ------------------------------------------------------------------------------

  /**
   * Queues one user message. Throws SctpError: `ERR_CLOSED`, `ERR_INVALID_STATE`
   * (shutting down), `ERR_MESSAGE_TOO_BIG`, `ERR_INVALID_ARGUMENT`, `ERR_BUFFER_FULL`.
   * Empty messages are refused (`ERR_INVALID_ARGUMENT`): SCTP has no empty DATA
   * (WebRTC sends one byte with PPID 56/57 instead).
   */
  send(streamId: number, ppid: number, data: Uint8Array, options?: SctpSendOptions): void {
    if (this.destroyed) throw new SctpError("ERR_CLOSED", "association is closed");
    if (this.#state.startsWith("shutdown"))
      throw new SctpError("ERR_INVALID_STATE", `cannot send in ${this.#state}`);
    if (!Number.isInteger(streamId) || streamId < 0 || streamId >= this.maxOutboundStreams)
      throw new SctpError(
        "ERR_INVALID_ARGUMENT",
        `stream ${streamId} is not in 0..${this.maxOutboundStreams - 1}`,
      );
    if (data.length === 0) throw new SctpError("ERR_INVALID_ARGUMENT", "empty message (RFC 9260 §3.3.1)");
    if (data.length > this.o.maxMessageSize)
      throw new SctpError(
        "ERR_MESSAGE_TOO_BIG",
        `message of ${data.length} bytes > ${this.o.maxMessageSize}`,
      );
    const rtx = options?.maxRetransmits;
    const life = options?.maxPacketLifeTime;
    if (rtx !== undefined && life !== undefined)
      throw new SctpError("ERR_INVALID_ARGUMENT", "maxRetransmits and maxPacketLifeTime are exclusive");
    this.queue.enqueue({
      streamId,
      ppid: ppid >>> 0,
      data,
      unordered: options?.unordered === true,
      offset: 0,
      ssn: 0,
      fsn: 0,
      maxRetransmits: rtx !== undefined && this.tcb?.c.peerForwardTsn !== false ? Math.max(0, rtx) : -1,
      expiresAt:
        life !== undefined && this.tcb?.c.peerForwardTsn !== false
          ? performance.now() + Math.max(0, life)
          : 0,
      abandoned: false,
    });
    this.stats.messagesSent++;
    this.tx.schedule();
  }

  /** Bytes accepted by send() on this stream and not yet handed to the network (RTCDataChannel.bufferedAmount). */
  bufferedAmount(streamId: number): number {
    return this.queue.bufferedAmount(streamId);
  }

  /** "bufferedamountlow" fires for this stream when its buffered amount falls from above `bytes` to `bytes` or less. */
  setBufferedAmountLowThreshold(streamId: number, bytes: number): void {
    this.queue.setThreshold(streamId, Math.max(0, bytes));
  }

  /** A stream's weight, 1..65535 (default 256), in the stream scheduler (RFC 8260 §3.6; see {@link SctpAssociationLike}). */
  setStreamPriority(streamId: number, priority: number): void {
    if (this.destroyed) throw new SctpError("ERR_CLOSED", "association is closed");
    this.queue.setWeight(streamId, priority);
  }

  /** A stream's weight (see {@link setStreamPriority}). */
  streamPriority(streamId: number): number {
    return this.queue.weight(streamId);
  }

  /** Outgoing SSN reset of these streams (RFC 6525 §5.1.2), sent once their queued data is out. */
  resetStreams(streamIds: readonly number[]): void {
    if (this.destroyed) throw new SctpError("ERR_CLOSED", "association is closed");
    for (const id of streamIds)
      if (!Number.isInteger(id) || id < 0 || id > 65535)
        throw new SctpError("ERR_INVALID_ARGUMENT", `stream ${id} is not in 0..65535`);
    if (!this.tcb || this.tcb.c.peerReconfig === false) return;
    this.tcb.reset.request(streamIds);
    this.tx.schedule();
  }

  /** Graceful SHUTDOWN (RFC 9260 §9.2) once all data is acknowledged; bounded (then ABORT). */
  shutdown(): Promise<void> {
    if (this.destroyed) return Promise.resolve();
    if (this.#state !== "established" && !this.#state.startsWith("shutdown")) {
      void this.close();
      return Promise.resolve();
    }
    return this.closing.start();
  }

  /** Sends ABORT (with a User-Initiated Abort cause) and closes at once. */
  abort(reason?: string): void {
    if (this.destroyed) return;
    const causes: ErrorCause[] = [
      { code: CauseCode.UserInitiatedAbort, value: new TextEncoder().encode(reason ?? "") },
    ];
    this.end(undefined, true, causes);
  }

  /** Ends the association (ABORT if the peer knows it) and releases every timer and buffer; idempotent. */
  close(): Promise<void> {
    this.end(undefined, true);
    return Promise.resolve();
  }

  /** `await using` support: the same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** A snapshot of the counters, RTT, RTO and windows (see {@link SctpStats}). */
  getStats(): SctpStats {
    const s = this.stats;
    const t = this.tcb;
    s.srtt = this.rto.srtt;
    s.rto = this.rto.rto;
    s.cwnd = t?.cc.cwnd ?? 0;
    s.peerRwnd = t?.peerRwnd ?? 0;
    s.flightSize = t?.rtx.flightSize ?? 0;
    return { ...s };
  }

  // ---- plumbing ------------------------------------------------------------------------------

  /** @internal The peer reset these incoming streams. */
  onStreamsReset(streamIds: number[]): void {
    if (streamIds.length > 0) this.dispatchEvent(new SctpStreamResetEvent(streamIds));
  }

  /** @internal Adds inbound streams (RFC 6525 §5.2.5). */
  addInbound(n: number): void {
    const t = this.tcb!;
    t.c.inboundStreams = Math.min(this.o.maxInboundStreams, t.c.inboundStreams + n);
  }

  private readonly onBufferedAmountLow = (streamId: number): void => {
    this.lowStreams.push(streamId);
  };

  /** @internal Fires the "bufferedamountlow" events collected while sending. */
  flushLowEvents(): void {
    if (this.lowStreams.length === 0) return;
    const ids = this.lowStreams;
    this.lowStreams = [];
    for (const id of ids) {
      if (this.destroyed) return;
      this.dispatchEvent(new SctpBufferedAmountLowEvent(id));
    }
  }

  /** @internal Sends one packet now. */
  sendControl(vtag: number, chunks: Chunk[]): void {
    this.emit(
      encodePacket({
        sourcePort: this.o.localPort,
        destinationPort: this.o.remotePort,
        verificationTag: vtag,
        chunks,
      }),
    );
  }

  /** @internal */
  emit(packet: Uint8Array): void {
    this.stats.packetsSent++;
    this.stats.bytesSent += packet.length;
    this.transport.send(packet);
  }

  /** @internal */
  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /** @internal Whether DATA may flow (data is held before ESTABLISHED and after SHUTDOWN-SENT). */
  get canSendData(): boolean {
    const s = this.#state;
    return s === "established" || s === "shutdown-pending" || s === "shutdown-received";
  }

  /** @internal The association ran out of retransmissions or broke the protocol. */
  fail(error: SctpError): void {
    this.end(error, true);
  }

  private readonly onSignalAbort = (): void => this.abort("signal aborted");

  /** @internal Sets the RFC 9260 state (setup and shutdown drive it). */
  setState(s: SctpAssociationState): void {
    this.#state = s;
    if (s === "established") this.heartbeat.start();
  }

  /** @internal Called by the transmitter when nothing is queued or in flight. */
  onDrained(): void {
    this.closing.onDrained();
  }

  /** @internal Ends the association: ABORT if asked and the peer knows us, then everything released. */
  end(error: SctpError | undefined, sendAbort: boolean, causes: ErrorCause[] = []): void {
    if (this.destroyed) return;
    const peerTag = this.tcb?.peerTag;
    if (sendAbort && peerTag !== undefined && this.#state !== "closed") {
      try {
        this.sendControl(peerTag, [{ type: ChunkType.Abort, reflected: false, causes }]);
      } catch {
        // the transport's trouble; we are closing anyway
      }
    }
    this.destroyed = true;
    this.#state = "closed";
    this.t3.dispose();
    this.delayedAck.dispose();
    this.#reconfigTimer?.dispose();
    this.heartbeat.dispose();
    this.setup.dispose();
    this.unlinkSignal();
    this.unlinkSignal = noop;
    this.tcb?.clear();
    this.tcb = undefined;
    this.queue.clear();
    this.recovery.clear();
    this.tx.clear();
    this.lowStreams = [];
    this.dispatchEvent(new SctpCloseEvent(error));
    this.closing.dispose();
  }
}

function noop(): void {}
