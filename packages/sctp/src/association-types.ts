/**
 * The public shape of an SCTP association (the contract with RTCDataChannel
 * in @purertc/peerconnection): options, states, send options, events and
 * statistics. The association itself is in association.ts.
 */
import type { SctpError } from "./errors.js";

/**
 * What the association writes packets through (in a PeerConnection: DTLS
 * application data). Received packets are given to
 * {@link SctpAssociationLike.handlePacket}.
 */
export interface SctpPacketTransport {
  /** Sends one SCTP packet; never throws for network errors (a lost packet is retransmitted). */
  send(packet: Uint8Array): void;
}

/** Options of an association. Every number has a documented default and bound. */
export interface SctpAssociationOptions {
  /** Where packets go. */
  transport: SctpPacketTransport;
  /** Our SCTP port (SDP `a=sctp-port`); default 5000. */
  localPort?: number;
  /** The peer's SCTP port; default 5000. */
  remotePort?: number;
  /** Largest user message we accept and send (default 262144, as Chromium advertises). */
  maxMessageSize?: number;
  /**
   * Bytes of SCTP packet per datagram. Default 1160: a 1200-byte UDP payload
   * less the DTLS 1.2 AES-GCM record overhead (13-byte header, 8-byte explicit
   * nonce, 16-byte tag = 37), rounded down to a multiple of 4. Bounded to 256..65535.
   */
  mtu?: number;
  /** Outbound streams we ask for (default 65535, as browsers). */
  maxOutboundStreams?: number;
  /** Inbound streams we accept (default 65535). */
  maxInboundStreams?: number;
  /** Initial RTO in ms (default 500; see README). */
  rtoInitial?: number;
  /** Minimum RTO in ms (default 200; see README). */
  rtoMin?: number;
  /** Maximum RTO in ms (default 60000, RFC 9260 RTO.Max). */
  rtoMax?: number;
  /** Our advertised receive window a_rwnd in bytes (default 1 MiB; bounded to 16 KiB..16 MiB). */
  receiveWindow?: number;
  /** Valid.Cookie.Life in ms: how old a State Cookie may be when it comes back (default 60000, RFC 9260 §16). */
  cookieLifetime?: number;
  /**
   * HB.interval in ms (RFC 9260 §8.3, default 30000; 0 = no HEARTBEATs): an
   * idle path gets a HEARTBEAT every RTO + this (the RTO jittered by ±50 %).
   * Unanswered ones count toward Association.Max.Retrans (10), then the association fails.
   */
  heartbeatInterval?: number;
  /**
   * Offer message interleaving, I-DATA (RFC 8260), in INIT / INIT-ACK
   * (default true). Used only when the peer offers it too (Supported
   * Extensions with I-DATA and I-FORWARD-TSN): then fragments of large
   * messages on different streams interleave, round robin per stream, so a
   * small message is not stuck behind a large one on another stream. With
   * peers that do not offer it (pion, werift, usrsctp, Chromium by default)
   * nothing changes: DATA and FORWARD-TSN as before.
   */
  interleaving?: boolean;
  /** Aborting it aborts the association (as {@link SctpAssociationLike.abort}). */
  signal?: AbortSignal;
}

/** RFC 9260 §4 association states ("closed" also after the end). */
export type SctpAssociationState =
  | "closed"
  | "cookie-wait"
  | "cookie-echoed"
  | "established"
  | "shutdown-pending"
  | "shutdown-sent"
  | "shutdown-received"
  | "shutdown-ack-sent";

/** Per-message options of {@link SctpAssociationLike.send}. */
export interface SctpSendOptions {
  /** Deliver as soon as complete, not in stream order (the U bit, RFC 9260 §3.3.1). */
  unordered?: boolean;
  /** Partial reliability (RFC 3758): give up after this many retransmissions. Exclusive with maxPacketLifeTime. */
  maxRetransmits?: number;
  /** Partial reliability (RFC 3758): give up after this many ms. Exclusive with maxRetransmits. */
  maxPacketLifeTime?: number;
}

/** Counters of an association (see {@link SctpAssociationLike.getStats}). */
export interface SctpStats {
  packetsSent: number;
  packetsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  dataChunksSent: number;
  dataChunksReceived: number;
  /** DATA chunks sent again (T3-rtx or fast retransmit). */
  retransmissions: number;
  /** T3-rtx expiries. */
  timeouts: number;
  /** Chunks marked for fast retransmit. */
  fastRetransmits: number;
  /** Tail loss probes sent (the last chunk again after 2 SRTT without an ack). */
  probes: number;
  /** HEARTBEATs sent on the idle path (RFC 9260 §8.3). */
  heartbeatsSent: number;
  /** HEARTBEAT-ACKs that answered ours (each an RTT sample). */
  heartbeatAcks: number;
  /** HEARTBEATs unanswered within one RTO (each an error toward Association.Max.Retrans). */
  heartbeatTimeouts: number;
  /** Packets dropped: bad checksum, malformed, wrong tag, out of window. */
  packetsDropped: number;
  /** Messages delivered to the user. */
  messagesReceived: number;
  /** Messages accepted from the user. */
  messagesSent: number;
  /** Smoothed RTT in ms (undefined before the first measurement). */
  srtt: number | undefined;
  /** Current retransmission timeout in ms. */
  rto: number;
  /** Congestion window in bytes. */
  cwnd: number;
  /** Peer's receive window as we last computed it. */
  peerRwnd: number;
  /** Bytes sent and not yet acknowledged. */
  flightSize: number;
}

/** "message": one complete user message. */
export class SctpMessageEvent extends Event {
  constructor(
    /** The stream it arrived on. */
    readonly streamId: number,
    /** The payload protocol identifier (WebRTC: 50 DCEP, 51 string, 53 binary, 56/57 empty). */
    readonly ppid: number,
    /** The message bytes. */
    readonly data: Uint8Array,
  ) {
    super("message");
  }
}

/** "bufferedamountlow": a stream's buffered amount fell to its threshold. */
export class SctpBufferedAmountLowEvent extends Event {
  constructor(readonly streamId: number) {
    super("bufferedamountlow");
  }
}

/** "streamreset": the peer reset these incoming streams (RFC 6525); the channel on each is closed. */
export class SctpStreamResetEvent extends Event {
  constructor(readonly streamIds: readonly number[]) {
    super("streamreset");
  }
}

/** "close": the association ended; `error` is absent after a graceful SHUTDOWN or our own close(). */
export class SctpCloseEvent extends Event {
  constructor(readonly error?: SctpError) {
    super("close");
  }
}

/** Event map of an association, for typed listeners. */
export interface SctpAssociationEventMap {
  open: Event;
  message: SctpMessageEvent;
  bufferedamountlow: SctpBufferedAmountLowEvent;
  streamreset: SctpStreamResetEvent;
  close: SctpCloseEvent;
}

/** The methods of an SCTP association (implemented by `SctpAssociation`). */
export interface SctpAssociationLike extends EventTarget, AsyncDisposable {
  readonly state: SctpAssociationState;
  /** Negotiated outbound streams (min of ours and the peer's inbound). */
  readonly maxOutboundStreams: number;
  /** Negotiated inbound streams. */
  readonly maxInboundStreams: number;
  /** Sends INIT (call on both ends; simultaneous INIT is handled per RFC 9260 §5.2). */
  connect(): void;
  /** One received SCTP packet; bad input is counted and dropped, never throws. */
  handlePacket(packet: Uint8Array): void;
  /** Queues one user message; throws SctpError if closed or too big. */
  send(streamId: number, ppid: number, data: Uint8Array, options?: SctpSendOptions): void;
  /** Bytes accepted on this stream and not yet sent to the network. */
  bufferedAmount(streamId: number): number;
  /** Sets the threshold at which "bufferedamountlow" fires for this stream. */
  setBufferedAmountLowThreshold(streamId: number, bytes: number): void;
  /**
   * A stream's weight, 1..65535 (default 256), in the weighted fair queueing
   * stream scheduler (RFC 8260 §3.6): while several streams have data
   * waiting, each gets a share of the bytes sent in proportion to its
   * weight. With I-DATA the share is counted per fragment; without it per
   * message (a DATA message once begun is finished first). Data channels
   * pass their DCEP priority (RFC 8831 §6.4).
   */
  setStreamPriority(streamId: number, priority: number): void;
  /** A stream's weight (256 until set). */
  streamPriority(streamId: number): number;
  /** Outgoing SSN reset of these streams (RFC 6525); the peer resets its side back. */
  resetStreams(streamIds: readonly number[]): void;
  /** Graceful SHUTDOWN, bounded in time; then closed. */
  shutdown(): Promise<void>;
  /** Sends ABORT and closes at once. */
  abort(reason?: string): void;
  /** Tears everything down (ABORT if the association was up); idempotent. */
  close(): Promise<void>;
  /** Counters. */
  getStats(): SctpStats;
}
