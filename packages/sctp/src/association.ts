/**
 * An SCTP association (RFC 9260) as WebRTC uses it: one path, packets
 * through an {@link SctpPacketTransport}, with PR-SCTP (RFC 3758) and stream
 * reset (RFC 6525). This file holds the state machine and the public API;
 * the data path lives in transmitter.ts (sending), reassembly.ts
 * (receiving), retransmit-queue.ts and congestion.ts.
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
  SctpMessageEvent,
  type SctpSendOptions,
  type SctpStats,
  SctpStreamResetEvent,
} from "./association-types.js";
import { RtoEstimator } from "./congestion.js";
import { CookieSigner } from "./cookie.js";
import { SctpError } from "./errors.js";
import { cookieCase, type LocalInit, makeInit, negotiate, randomTag } from "./handshake.js";
import { put32 } from "./packet/bytes.js";
import type { ErrorCause } from "./packet/causes.js";
import type { Chunk } from "./packet/chunk.js";
import { CauseCode, ChunkType } from "./packet/constants.js";
import type { InitChunk } from "./packet/init.js";
import { decodePacket, encodePacket, type SctpPacket } from "./packet/packet.js";
import type { ReconfigChunk } from "./packet/reconfig.js";
import type { ReceiverSink } from "./reassembly.js";
import { SendQueue } from "./send-queue.js";
import { Tcb } from "./tcb.js";
import { AssociationTimer } from "./timers.js";
import { Transmitter } from "./transmitter.js";

/** Max.Init.Retransmits (RFC 9260 §16). */
const MAX_INIT_RETRANSMITS = 8;
/** Association.Max.Retrans (RFC 9260 §16). */
const MAX_RETRANSMITS = 10;
/** shutdown() gives up (and aborts) after this long. */
const SHUTDOWN_GUARD = 10_000;

function clamp(v: number | undefined, def: number, min: number, max: number, name: string): number {
  if (v === undefined) return def;
  if (!Number.isInteger(v) || v < min || v > max)
    throw new SctpError("ERR_INVALID_ARGUMENT", `${name} must be an integer in ${min}..${max}`);
  return v;
}

/** Resolved options (every default applied). */
export interface ResolvedOptions {
  localPort: number;
  remotePort: number;
  maxMessageSize: number;
  mtu: number;
  maxOutboundStreams: number;
  maxInboundStreams: number;
  rtoInitial: number;
  rtoMin: number;
  rtoMax: number;
  receiveWindow: number;
}

/**
 * An SCTP association. Give it received packets with {@link handlePacket};
 * it sends through `options.transport`. Events: "open", "message",
 * "bufferedamountlow", "streamreset", "close" (see association-types.ts).
 */
export class SctpAssociation extends EventTarget implements SctpAssociationLike {
  #state: SctpAssociationState = "closed";
  private destroyed = false;
  private connecting = false;
  /** @internal */ readonly o: ResolvedOptions;
  private readonly transport: SctpAssociationOptions["transport"];
  private readonly cookies: CookieSigner;
  /** @internal */ readonly queue: SendQueue;
  /** @internal */ tcb: Tcb | undefined;
  /** @internal */ readonly rto: RtoEstimator;
  private readonly tx: Transmitter;
  private local: LocalInit | undefined;
  private init: InitChunk | undefined;
  private cookieEcho: Uint8Array | undefined;
  private initRetries = 0;
  private initRto = 0;
  private shutdownRetries = 0;
  private readonly t1 = new AssociationTimer(() => this.onT1());
  /** RFC 9653 Zero Checksum Acceptable in our INIT / INIT-ACK; dropped after an unanswered INIT. */
  private offerZeroChecksum = true;
  /** @internal */ readonly t3: AssociationTimer;
  /** @internal */ readonly delayedAck: AssociationTimer;
  private readonly t2 = new AssociationTimer(() => this.onT2());
  private readonly guard = new AssociationTimer(() => this.abort("shutdown timed out"));
  /** @internal */ readonly reconfigTimer: AssociationTimer;
  private shutdownWaiters: (() => void)[] = [];
  private lowStreams: number[] = [];
  private unlinkSignal: () => void;
  /** @internal */ readonly stats: SctpStats;

  constructor(options: SctpAssociationOptions) {
    super();
    const o: ResolvedOptions = {
      localPort: clamp(options.localPort, 5000, 1, 65535, "localPort"),
      remotePort: clamp(options.remotePort, 5000, 1, 65535, "remotePort"),
      maxMessageSize: clamp(options.maxMessageSize, 262144, 1, 16 * 1024 * 1024, "maxMessageSize"),
      mtu: clamp(options.mtu, 1160, 256, 65535, "mtu"),
      maxOutboundStreams: clamp(options.maxOutboundStreams, 65535, 1, 65535, "maxOutboundStreams"),
      maxInboundStreams: clamp(options.maxInboundStreams, 65535, 1, 65535, "maxInboundStreams"),
      rtoInitial: clamp(options.rtoInitial, 500, 10, 60_000, "rtoInitial"),
      rtoMin: clamp(options.rtoMin, 200, 10, 60_000, "rtoMin"),
      rtoMax: clamp(options.rtoMax, 60_000, 10, 120_000, "rtoMax"),
      receiveWindow: clamp(options.receiveWindow, 1024 * 1024, 16 * 1024, 16 * 1024 * 1024, "receiveWindow"),
    };
    // The window must hold one whole message, or an ordered message could never complete.
    o.receiveWindow = Math.max(o.receiveWindow, o.maxMessageSize + 64 * 1024);
    this.o = o;
    this.transport = options.transport;
    this.cookies = new CookieSigner((options as { cookieLifetime?: number }).cookieLifetime ?? 60_000);
    this.queue = new SendQueue(this.onBufferedAmountLow);
    this.rto = new RtoEstimator(o.rtoInitial, o.rtoMin, o.rtoMax);
    this.tx = new Transmitter(this);
    this.t3 = new AssociationTimer(this.tx.onT3);
    this.delayedAck = new AssociationTimer(this.tx.onDelayedAck);
    this.reconfigTimer = new AssociationTimer(this.tx.onReconfigTimer);
    this.stats = {
      packetsSent: 0,
      packetsReceived: 0,
      bytesSent: 0,
      bytesReceived: 0,
      dataChunksSent: 0,
      dataChunksReceived: 0,
      retransmissions: 0,
      timeouts: 0,
      fastRetransmits: 0,
      packetsDropped: 0,
      messagesReceived: 0,
      messagesSent: 0,
      srtt: undefined,
      rto: o.rtoInitial,
      cwnd: 0,
      peerRwnd: 0,
      flightSize: 0,
    };
    this.unlinkSignal = whenAborted(options.signal, this.onSignalAbort);
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
    if (this.#state !== "closed" || this.connecting) return;
    this.connecting = true;
    this.local = this.newLocal();
    this.init = makeInit(ChunkType.Init, this.local);
    this.#state = "cookie-wait";
    this.initRto = this.o.rtoInitial;
    this.sendControl(0, [this.init]);
    this.t1.start(this.initRto);
  }

  private newLocal(): LocalInit {
    return {
      tag: randomTag(),
      initialTsn: randomTag(),
      aRwnd: this.o.receiveWindow,
      outboundStreams: this.o.maxOutboundStreams,
      inboundStreams: this.o.maxInboundStreams,
    };
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
    if (p.destinationPort !== this.o.localPort || p.chunks.length === 0 || !this.tagOk(p)) {
      this.stats.packetsDropped++;
      return;
    }
    this.tx.beginPacket();
    for (const c of p.chunks) {
      if (this.destroyed) return;
      this.handleChunk(c, p);
    }
    if (!this.destroyed) this.tx.endPacket();
  }

  /** Verification tag rules (RFC 9260 §8.5, §8.5.1). */
  private tagOk(p: SctpPacket): boolean {
    const first = p.chunks[0]!;
    const v = p.verificationTag;
    if (first.type === ChunkType.Init) return v === 0 && p.chunks.length === 1;
    if (first.type === ChunkType.CookieEcho) return true; // checked against the cookie
    const localTag = this.tcb?.localTag ?? this.local?.tag;
    if ((first.type === ChunkType.Abort || first.type === ChunkType.ShutdownComplete) && first.reflected)
      return this.tcb !== undefined && v === this.tcb.peerTag;
    if (first.type === ChunkType.ShutdownAck && localTag === undefined) return true; // OOTB: answered below
    return localTag !== undefined && v === localTag;
  }

  private handleChunk(c: Chunk, p: SctpPacket): void {
    switch (c.type) {
      case ChunkType.Data:
        this.tx.onData(c);
        return;
      case ChunkType.Sack:
        this.tx.onSack(c);
        return;
      case ChunkType.Init:
        this.onInit(c);
        return;
      case ChunkType.InitAck:
        this.onInitAck(c);
        return;
      case ChunkType.CookieEcho:
        this.onCookieEcho(c.cookie, p.verificationTag);
        return;
      case ChunkType.CookieAck:
        if (this.#state === "cookie-echoed") this.established();
        return;
      case ChunkType.Heartbeat:
        this.tx.control({ type: ChunkType.HeartbeatAck, info: c.info });
        return;
      case ChunkType.Abort:
        this.teardown(
          new SctpError("ERR_ABORTED_BY_PEER", `peer sent ABORT${causeText(c.causes)} (RFC 9260 §9.1)`),
          false,
        );
        return;
      case ChunkType.Shutdown:
        this.onShutdown(c.cumulativeTsnAck);
        return;
      case ChunkType.ShutdownAck:
        this.onShutdownAck(p);
        return;
      case ChunkType.ShutdownComplete:
        if (this.#state === "shutdown-ack-sent") this.teardown(undefined, false);
        return;
      case ChunkType.Error:
        this.onError(c.causes);
        return;
      case ChunkType.ForwardTsn:
        this.tx.onForwardTsn(c);
        return;
      case ChunkType.ReConfig:
        this.tx.onReconfig(c as ReconfigChunk);
        return;
      case "unknown":
        // 01 and 11 report the chunk (RFC 9260 §3.2).
        if (c.chunkType & 0x40)
          this.tx.control({
            type: ChunkType.Error,
            causes: [{ code: CauseCode.UnrecognizedChunkType, value: c.raw }],
          });
        return;
      default:
        return;
    }
  }

  // ---- setup ---------------------------------------------------------------------------------

  private onInit(init: InitChunk): void {
    if (init.initiateTag === 0 || init.outboundStreams === 0 || init.inboundStreams === 0) {
      this.stats.packetsDropped++;
      return;
    }
    let local: LocalInit;
    let tie = { local: 0, peer: 0 };
    if (this.#state === "closed") local = this.newLocal();
    else if (this.#state === "cookie-wait" || this.#state === "cookie-echoed") local = this.local!;
    else {
      // An INIT for an association that exists (§5.2.2): new tags, tie-tags to detect a restart.
      local = this.newLocal();
      tie = { local: this.tcb!.localTag, peer: this.tcb!.peerTag };
    }
    const cookie = this.cookies.sign(negotiate(local, init, tie));
    this.sendControl(init.initiateTag, [
      makeInit(ChunkType.InitAck, local, cookie, init.unrecognized, this.offerZeroChecksum),
    ]);
  }

  private onInitAck(ack: InitChunk): void {
    if (this.#state !== "cookie-wait" || !ack.stateCookie || ack.initiateTag === 0) return;
    const contents = negotiate(this.local!, ack);
    this.tcb = new Tcb(this.local!.tag, ack.initiateTag, contents, this.o, this.sink, this.rto);
    this.cookieEcho = ack.stateCookie.slice();
    this.#state = "cookie-echoed";
    this.initRetries = 0;
    this.sendControl(ack.initiateTag, [{ type: ChunkType.CookieEcho, cookie: this.cookieEcho }]);
    this.t1.start(this.initRto);
  }

  private onCookieEcho(cookie: Uint8Array, vtag: number): void {
    let c: ReturnType<CookieSigner["verify"]>;
    try {
      c = this.cookies.verify(cookie);
    } catch (e) {
      if (!(e instanceof SctpError)) throw e;
      this.stats.packetsDropped++;
      if (e.code === "ERR_STALE_COOKIE" && cookie.length >= 8) {
        // Stale Cookie error (§5.2.6) to the tag the cookie names as the peer's.
        const staleness = new Uint8Array(4);
        put32(staleness, 0, (e.cause as { staleness: number }).staleness);
        const peerTag = ((cookie[4]! << 24) | (cookie[5]! << 16) | (cookie[6]! << 8) | cookie[7]!) >>> 0;
        this.sendControl(peerTag, [
          { type: ChunkType.Error, causes: [{ code: CauseCode.StaleCookie, value: staleness }] },
        ]);
      }
      return;
    }
    if (vtag !== c.localTag) {
      this.stats.packetsDropped++;
      return;
    }
    if (this.#state === "closed") {
      this.establishFrom(c);
      return;
    }
    const tcb = this.tcb;
    switch (cookieCase(c, this.local?.tag ?? tcb?.localTag ?? 0, tcb?.peerTag ?? 0)) {
      case "restart":
      case "collision":
        this.establishFrom(c);
        return;
      case "duplicate":
        if (this.#state === "cookie-wait" || this.#state === "cookie-echoed") {
          this.establishFrom(c);
          return;
        }
        this.tx.control({ type: ChunkType.CookieAck });
        return;
      default:
        this.stats.packetsDropped++;
    }
  }

  /** Makes the TCB from a verified cookie and enters ESTABLISHED (§5.1 D, §5.2.4 A, B, D). */
  private establishFrom(c: ReturnType<CookieSigner["verify"]>): void {
    const restart =
      this.tcb !== undefined && this.#state !== "cookie-wait" && this.#state !== "cookie-echoed";
    this.tcb?.clear();
    if (restart) this.rto.reset();
    this.local = {
      tag: c.localTag,
      initialTsn: c.localInitialTsn,
      aRwnd: this.o.receiveWindow,
      outboundStreams: this.o.maxOutboundStreams,
      inboundStreams: this.o.maxInboundStreams,
    };
    this.tcb = new Tcb(c.localTag, c.peerTag, c, this.o, this.sink, this.rto);
    this.tx.control({ type: ChunkType.CookieAck });
    if (!restart) this.established();
  }

  private established(): void {
    this.t1.stop();
    this.init = undefined;
    this.cookieEcho = undefined;
    this.#state = "established";
    this.dispatchEvent(new Event("open"));
    this.tx.schedule();
  }

  private onT1(): void {
    if (++this.initRetries > MAX_INIT_RETRANSMITS) {
      this.teardown(
        new SctpError("ERR_TOO_MANY_RETRANSMISSIONS", "no answer to INIT / COOKIE-ECHO (RFC 9260 §5.1)"),
        false,
      );
      return;
    }
    this.initRto = Math.min(this.o.rtoMax, this.initRto * 2);
    if (this.#state === "cookie-wait" && this.init && this.offerZeroChecksum && this.local) {
      // No answer: the peer may be one that drops an INIT with a parameter it does not know
      // (pion/sctp before 1.8 refuses RFC 9653's), so the INIT and INIT-ACKs go without it.
      this.offerZeroChecksum = false;
      this.init = makeInit(ChunkType.Init, this.local, undefined, [], false);
    }
    if (this.#state === "cookie-wait" && this.init) this.sendControl(0, [this.init]);
    else if (this.#state === "cookie-echoed" && this.cookieEcho)
      this.sendControl(this.tcb!.peerTag, [{ type: ChunkType.CookieEcho, cookie: this.cookieEcho }]);
    else return;
    this.t1.start(this.initRto);
  }

  private onError(causes: ErrorCause[]): void {
    // A Stale Cookie answer to our COOKIE-ECHO: start over (§5.2.6).
    if (this.#state === "cookie-echoed" && causes.some((c) => c.code === CauseCode.StaleCookie)) {
      this.tcb = undefined;
      this.#state = "closed";
      this.connecting = false;
      this.t1.stop();
      this.connect();
    }
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

  bufferedAmount(streamId: number): number {
    return this.queue.bufferedAmount(streamId);
  }

  setBufferedAmountLowThreshold(streamId: number, bytes: number): void {
    this.queue.setThreshold(streamId, Math.max(0, bytes));
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
    if (this.#state !== "established") {
      if (!this.#state.startsWith("shutdown")) {
        void this.close();
        return Promise.resolve();
      }
    } else {
      this.#state = "shutdown-pending";
      this.guard.start(SHUTDOWN_GUARD);
      this.tx.schedule();
    }
    return new Promise((resolve) => this.shutdownWaiters.push(resolve));
  }

  /** Sends ABORT (with a User-Initiated Abort cause) and closes at once. */
  abort(reason?: string): void {
    if (this.destroyed) return;
    const causes: ErrorCause[] = [
      { code: CauseCode.UserInitiatedAbort, value: new TextEncoder().encode(reason ?? "") },
    ];
    this.teardown(undefined, true, causes);
  }

  /** Ends the association (ABORT if the peer knows it) and releases every timer and buffer; idempotent. */
  close(): Promise<void> {
    this.teardown(undefined, true);
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

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

  // ---- shutdown ------------------------------------------------------------------------------

  private onShutdown(cumTsnAck: number): void {
    if (!this.tcb) return;
    this.tx.onSack({
      type: ChunkType.Sack,
      cumulativeTsnAck: cumTsnAck,
      aRwnd: this.tcb.peerRwnd + this.tcb.rtx.flightSize,
      gapAckBlocks: [],
      duplicateTsns: [],
    });
    if (this.#state === "established" || this.#state === "shutdown-pending")
      this.#state = "shutdown-received";
    else if (this.#state === "shutdown-sent") {
      this.#state = "shutdown-ack-sent";
      this.tx.control({ type: ChunkType.ShutdownAck });
      this.t2.start(this.rto.rto);
      return;
    }
    this.guard.ensure(SHUTDOWN_GUARD);
    this.tx.schedule();
  }

  private onShutdownAck(p: SctpPacket): void {
    if (this.#state === "shutdown-sent" || this.#state === "shutdown-ack-sent") {
      this.sendControl(this.tcb!.peerTag, [{ type: ChunkType.ShutdownComplete, reflected: false }]);
      this.teardown(undefined, false);
    } else if (!this.tcb) {
      // Out of the blue (§8.4 5): SHUTDOWN-COMPLETE with the T bit.
      this.sendControl(p.verificationTag, [{ type: ChunkType.ShutdownComplete, reflected: true }]);
    }
  }

  /** @internal Called by the transmitter when nothing is queued or in flight. */
  onDrained(): void {
    const t = this.tcb!;
    if (this.#state === "shutdown-pending") {
      this.#state = "shutdown-sent";
      this.tx.control({ type: ChunkType.Shutdown, cumulativeTsnAck: t.receiver.cumTsn });
      this.t2.start(this.rto.rto);
    } else if (this.#state === "shutdown-received") {
      this.#state = "shutdown-ack-sent";
      this.tx.control({ type: ChunkType.ShutdownAck });
      this.t2.start(this.rto.rto);
    }
  }

  private onT2(): void {
    const t = this.tcb;
    if (!t) return;
    if (++this.shutdownRetries > MAX_RETRANSMITS) {
      this.teardown(
        new SctpError("ERR_TOO_MANY_RETRANSMISSIONS", "no answer to SHUTDOWN (RFC 9260 §9.2)"),
        true,
      );
      return;
    }
    this.rto.backoff();
    if (this.#state === "shutdown-sent")
      this.sendControl(t.peerTag, [{ type: ChunkType.Shutdown, cumulativeTsnAck: t.receiver.cumTsn }]);
    else if (this.#state === "shutdown-ack-sent")
      this.sendControl(t.peerTag, [{ type: ChunkType.ShutdownAck }]);
    else return;
    this.t2.start(this.rto.rto);
  }

  // ---- plumbing ------------------------------------------------------------------------------

  /** @internal Where the receiver delivers. */
  readonly sink: ReceiverSink = {
    deliver: (streamId, ppid, data) => {
      if (this.destroyed) return;
      if (streamId >= this.maxInboundStreams) {
        const v = new Uint8Array(4);
        v[0] = streamId >> 8;
        v[1] = streamId;
        this.tx.control({
          type: ChunkType.Error,
          causes: [{ code: CauseCode.InvalidStreamIdentifier, value: v }],
        });
        return;
      }
      this.stats.messagesReceived++;
      this.dispatchEvent(new SctpMessageEvent(streamId, ppid, data));
    },
    tooBig: (streamId) => {
      queueMicrotask(() =>
        this.teardown(
          new SctpError(
            "ERR_PROTOCOL_VIOLATION",
            `message on stream ${streamId} larger than ${this.o.maxMessageSize}`,
          ),
          true,
        ),
      );
    },
  };

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
    this.teardown(error, true);
  }

  private readonly onSignalAbort = (): void => this.abort("signal aborted");

  private teardown(error: SctpError | undefined, sendAbort: boolean, causes: ErrorCause[] = []): void {
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
    for (const t of [this.t1, this.t2, this.t3, this.delayedAck, this.guard, this.reconfigTimer]) t.stop();
    this.unlinkSignal();
    this.unlinkSignal = noop;
    this.tcb?.clear();
    this.tcb = undefined;
    this.queue.clear();
    this.tx.clear();
    this.init = undefined;
    this.cookieEcho = undefined;
    this.lowStreams = [];
    const waiters = this.shutdownWaiters;
    this.shutdownWaiters = [];
    this.dispatchEvent(new SctpCloseEvent(error));
    for (const w of waiters) w();
  }
}

function causeText(causes: ErrorCause[]): string {
  return causes.length === 0 ? "" : ` (cause ${causes.map((c) => c.code).join(", ")})`;
}

function noop(): void {}
