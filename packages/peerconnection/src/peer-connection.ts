// The public surface with its TSDoc and the state handlers that write the public state fields. The on<event>
// attributes and typed listeners are in peer-connection-events.ts; negotiation, descriptions, transport, data
// channels and media in their own files.
import { Closer, createDebug } from "@purertc/socket";
import type { PeerConnectionConfiguration } from "./configuration.js";
import { checkConfiguration } from "./configuration-check.js";
import { DataChannels } from "./data-channels.js";
import type { DataChannel, DataChannelInit } from "./datachannel/data-channel.js";
import type { SctpTransport } from "./datachannel/sctp-transport.js";
import { generateCertificate } from "./dtls-session.js";
import { PeerConnectionError } from "./errors.js";
import {
  ConnectionStateChangeEvent,
  DatagramEvent,
  type IceCandidateInit,
  PeerConnectionIceEvent,
  type SessionDescription,
  type SessionDescriptionInit,
} from "./events.js";
import { PeerMedia } from "./media/peer-media.js";
import type { RtpReceiver } from "./media/receiver.js";
import type { RtpSender } from "./media/sender.js";
import type { RtpTransceiver, TransceiverInit } from "./media/transceiver.js";
import { Negotiation } from "./negotiation.js";
import { OperationsChain } from "./operations-chain.js";
import { PeerConnectionEventTarget } from "./peer-connection-events.js";
import type { PeerCertificate } from "./peer-transport.js";
import type { SdpCandidate } from "./sdp/types.js";
import { SessionDescriptions } from "./session-descriptions.js";
import {
  connectionStateOf,
  type DtlsTransportState,
  type IceConnectionState,
  type IceGatheringState,
  type IceTransportState,
  iceConnectionStateOf,
  type PeerConnectionState,
  type SignalingState,
} from "./states.js";
import { buildStats, type StatsReport } from "./stats.js";
import { TransportLink } from "./transport-link.js";

const log = createDebug("purertc:pc");

/** Largest application datagram: one DTLS record's plaintext (RFC 6347 §4.1, 2^14). */
const MAX_DATAGRAM = 16384;

/** The reason `signal` aborts with; made only when somebody asked for the signal. */
const closedReason = (): PeerConnectionError =>
  new PeerConnectionError("ERR_CLOSED", "the PeerConnection was closed");

/**
 * An RTCPeerConnection-shaped connection over purertc's ICE agent and DTLS:
 * the same calls, states and events as in a browser, so signalling code
 * reads the same. One bundled transport (ICE, DTLS) carries data channels
 * (SCTP, {@link PeerConnection.createDataChannel}) and media (SRTP,
 * {@link PeerConnection.addTransceiver}); {@link PeerConnection.sendDatagram}
 * is a purertc extension for raw DTLS datagrams between purertc peers.
 *
 * Everything it starts (sockets, timers, the ICE agent, the DTLS
 * connection) hangs off one cancellation root: `close()` (or `await using`)
 * releases all of it, from any state.
 *
 * ```ts
 * await using a = new PeerConnection({ interfaces: "loopback" });
 * await using b = new PeerConnection({ interfaces: "loopback" });
 * a.addEventListener("icecandidate", (e) => void b.addIceCandidate(e.candidate));
 * b.addEventListener("icecandidate", (e) => void a.addIceCandidate(e.candidate));
 * await a.setLocalDescription(await a.createOffer());
 * await b.setRemoteDescription(a.localDescription!);
 * await b.setLocalDescription(await b.createAnswer());
 * await a.setRemoteDescription(b.localDescription!);
 * ```
 */
export class PeerConnection extends PeerConnectionEventTarget implements AsyncDisposable {
  // A Closer, not an AbortController: its signal (and the abort reason) is
  // made only when asked for (the `signal` getter, DTLS), not per connection.
  private readonly closer = new Closer(undefined, closedReason);
  private readonly config: Readonly<PeerConnectionConfiguration<PeerCertificate>>;
  private readonly operations = new OperationsChain(this.closer);
  private readonly link: TransportLink;
  private readonly negotiation: Negotiation;
  private readonly descriptions: SessionDescriptions;
  private closing: Promise<void> | undefined;
  private iceState: IceTransportState = "new";
  private dtlsState_: DtlsTransportState = "new";
  // Callbacks handed out, declared before the fields below that take them.
  private readonly dispatch = (event: Event): void => {
    this.dispatchEvent(event);
  };
  private readonly sendSctpPacket = (packet: Uint8Array): void => {
    this.link.ready?.send(packet);
  };
  private readonly readDtlsState = (): DtlsTransportState => this.dtlsState;
  private readonly readRecordOverhead = (): number | undefined => this.link.ready?.recordOverhead;
  private readonly readSctpInterleaving = (): boolean => this.config.sctpInterleaving !== false;
  private readonly media = new PeerMedia(this.dispatch);
  private readonly channels = new DataChannels({
    sendPacket: this.sendSctpPacket,
    dispatch: this.dispatch,
    dtlsState: this.readDtlsState,
    recordOverhead: this.readRecordOverhead,
    interleaving: this.readSctpInterleaving,
  });

  /** RTCSignalingState. */
  signalingState: SignalingState = "stable";
  /** RTCIceGatheringState. */
  iceGatheringState: IceGatheringState = "new";
  /** RTCIceConnectionState. */
  iceConnectionState: IceConnectionState = "new";
  /** RTCPeerConnectionState. */
  connectionState: PeerConnectionState = "new";
  /**
   * The DTLS transport's state (RTCDtlsTransport.state): "closed" once the
   * peer sent close_notify, which the W3C rules do not surface in
   * connectionState. A `dtlsstatechange` event marks each change.
   */
  get dtlsState(): DtlsTransportState {
    return this.closer.closed ? "closed" : this.dtlsState_;
  }

  /** Set when the DTLS transport failed (fingerprint mismatch, handshake error, alert). */
  transportError: Error | undefined;

  constructor(configuration: PeerConnectionConfiguration<PeerCertificate> = {}) {
    super();
    this.config = { bundlePolicy: "max-bundle", iceTransportPolicy: "all", iceServers: [], ...configuration };
    checkConfiguration(this.config);
    this.descriptions = new SessionDescriptions(this.config.iceLite === true);
    this.link = new TransportLink(this.config, this.closer, {
      localCandidate: this.onLocalCandidate,
      gatheringState: this.onGatheringState,
      iceState: this.onIceState,
      dtlsState: this.onDtlsState,
      datagram: this.onApplicationData,
      media: this.media.receive,
    });
    this.negotiation = new Negotiation(this.descriptions, this.link, this.media, this.channels, {
      state: this.readSignaling,
      set: this.setSignaling,
    });
  }

  /** Generates a DTLS certificate (ECDSA P-256) for the `certificates` option. */
  static generateCertificate(): Promise<PeerCertificate> {
    return generateCertificate();
  }

  /** The configuration given (with defaults). */
  getConfiguration(): PeerConnectionConfiguration<PeerCertificate> {
    return { ...this.config };
  }

  /** The local description, with every candidate gathered so far. */
  get localDescription(): SessionDescription | null {
    return this.descriptions.localDescription;
  }

  /** The remote description, with trickled candidates added. */
  get remoteDescription(): SessionDescription | null {
    return this.descriptions.remoteDescription;
  }

  /** True: purertc accepts trickled candidates (a=ice-options:trickle). */
  get canTrickleIceCandidates(): boolean | null {
    return this.descriptions.canTrickleIceCandidates;
  }

  /**
   * The RTCSctpTransport-like transport of the data channels: null until
   * both descriptions are applied (as in browsers), then its state follows
   * the SCTP association.
   */
  get sctp(): SctpTransport | null {
    return this.channels.sctp;
  }

  /**
   * Creates a data channel (RTCDataChannel). Before the association is up
   * it waits in "connecting" and opens once it is; `negotiated: true` with an
   * `id` opens without DCEP (the peer creates the same one).
   * @throws TypeError for options the W3C API refuses (label or protocol over
   *   65,535 bytes, both maxPacketLifeTime and maxRetransmits, negotiated
   *   without id, id over 65,534).
   * @throws PeerConnectionError ERR_INVALID_STATE once closed, ERR_OPERATION
   *   for an id in use or no id left.
   */
  createDataChannel(label: string, init?: DataChannelInit): DataChannel {
    if (this.closer.closed) {
      throw new PeerConnectionError("ERR_INVALID_STATE", "createDataChannel on a closed PeerConnection");
    }
    return this.channels.create(String(label), init);
  }

  /**
   * The signal that aborts when the connection closes (for tying your own
   * work to it), with a PeerConnectionError `ERR_CLOSED` as its reason.
   */
  get signal(): AbortSignal {
    return this.closer.signal;
  }

  /**
   * Adds a transceiver (RTCPeerConnection.addTransceiver) for encoded
   * audio or video: its m-section appears in the next offer. `streams` are
   * the a=msid stream ids. A remote offer's section of the same kind is
   * associated with a transceiver made here that has no mid yet (as
   * browsers do with addTrack's), so add them before answering to send.
   * @throws PeerConnectionError ERR_INVALID_STATE once closed, ERR_INVALID_ACCESS for a bad kind or direction.
   */
  addTransceiver(kind: "audio" | "video", init?: TransceiverInit): RtpTransceiver {
    if (this.closer.closed) {
      throw new PeerConnectionError("ERR_INVALID_STATE", "the PeerConnection is closed");
    }
    return this.media.session.addTransceiver(kind, init);
  }

  /** RTCPeerConnection.getTransceivers(), in creation order. */
  getTransceivers(): RtpTransceiver[] {
    return [...this.media.session.transceivers];
  }

  /** RTCPeerConnection.getSenders(): the senders of transceivers not stopped. */
  getSenders(): RtpSender[] {
    return this.media.session.transceivers.filter((t) => !t.stopped).map((t) => t.sender);
  }

  /** RTCPeerConnection.getReceivers(): the receivers of transceivers not stopped. */
  getReceivers(): RtpReceiver[] {
    return this.media.session.transceivers.filter((t) => !t.stopped).map((t) => t.receiver);
  }

  /** Creates an offer: the transceivers' sections and a data-channel section, bundled, `a=setup:actpass`. */
  createOffer(): Promise<SessionDescriptionInit> {
    return this.operations.run(() => this.negotiation.createOffer());
  }

  /** Creates an answer to the remote offer: `a=setup:active` to an actpass offer (RFC 5763 §5). */
  createAnswer(): Promise<SessionDescriptionInit> {
    return this.operations.run(() => this.negotiation.createAnswer());
  }

  /**
   * Applies a local description (with no argument, creates the offer or
   * answer the state calls for, as browsers do). Starts gathering.
   */
  setLocalDescription(description?: SessionDescriptionInit): Promise<void> {
    return this.operations.run(() => this.negotiation.setLocal(description));
  }

  /** Applies the remote description; its candidates are added, connectivity checks start once both sides are set. */
  setRemoteDescription(description: SessionDescriptionInit): Promise<void> {
    return this.operations.run(() => this.negotiation.setRemote(description));
  }

  /**
   * Adds a trickled remote candidate; `null`, `{}` or `{ candidate: "" }`
   * signal end-of-candidates (RFC 8838).
   */
  addIceCandidate(candidate?: IceCandidateInit | null): Promise<void> {
    return this.operations.run(() => this.negotiation.addIceCandidate(candidate));
  }

  /**
   * Sends one application datagram over the DTLS connection (DTLS
   * application data). Dropped silently unless connected, like UDP.
   * @throws PeerConnectionError ERR_OPERATION above 16,384 bytes (one DTLS record).
   */
  sendDatagram(data: Uint8Array | string): void {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    if (bytes.byteLength > MAX_DATAGRAM) {
      throw new PeerConnectionError(
        "ERR_OPERATION",
        `a datagram of ${bytes.byteLength} bytes exceeds ${MAX_DATAGRAM}`,
      );
    }
    if (this.connectionState !== "connected") return;
    this.link.ready?.send(bytes);
  }

  /**
   * RTCStatsReport: `peer-connection`, `transport` (dtlsState, cipher,
   * roles, selected pair), `candidate-pair`, `local-candidate`,
   * `remote-candidate` and `certificate` reports, and with media
   * `outbound-rtp`, `inbound-rtp` (packets, bytes, lost, NACK/PLI/FIR counts,
   * frames) and `codec`.
   */
  async getStats(): Promise<StatsReport> {
    const report = buildStats(this.link.ready?.statsSource(), {
      iceState: this.iceState,
      dtlsState: this.dtlsState_,
    });
    this.media.addStats(report);
    return report;
  }

  /**
   * Closes the connection and releases everything it holds. The states
   * become "closed" at once (no events fire, as in browsers); the returned
   * promise resolves when sockets, timers and the DTLS connection are gone.
   * Pending operations reject with ERR_CLOSED. Idempotent.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    let settle!: [() => void, (error: unknown) => void];
    this.closing = new Promise<void>((resolve, reject) => {
      settle = [resolve, reject];
    });
    // Channels close (their close events fire: a handler calling close() again
    // gets the promise above) and the association sends its ABORT while DTLS
    // still carries it; then everything else goes.
    const sctp = this.channels.close();
    this.signalingState = "closed";
    this.iceConnectionState = "closed";
    this.connectionState = "closed";
    this.closer.close();
    this.media.close();
    this.link
      .release(sctp)
      .then(() => log("closed"))
      .then(...settle);
    return this.closing;
  }

  /** Same as {@link PeerConnection.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private readonly onLocalCandidate = (candidate: SdpCandidate): void => {
    if (this.closer.closed) return;
    const init = this.descriptions.addLocalCandidate(candidate, this.link.ready?.iceUfrag ?? "");
    this.dispatch(new PeerConnectionIceEvent(init));
  };

  private readonly onGatheringState = (state: IceGatheringState): void => {
    if (this.closer.closed || state === this.iceGatheringState) return;
    this.iceGatheringState = state;
    if (state === "complete") this.descriptions.endLocalCandidates();
    this.dispatch(new Event("icegatheringstatechange"));
    // The null candidate follows the state change, as in browsers.
    if (state === "complete") this.dispatch(new PeerConnectionIceEvent(null));
  };

  private readonly onIceState = (state: IceTransportState): void => {
    if (this.closer.closed) return;
    this.iceState = state;
    const ice = iceConnectionStateOf([state]);
    if (ice !== this.iceConnectionState) {
      this.iceConnectionState = ice;
      this.dispatch(new Event("iceconnectionstatechange"));
    }
    this.updateConnectionState();
  };

  private readonly onDtlsState = (state: DtlsTransportState, error?: Error): void => {
    if (this.closer.closed) return;
    if (error) this.transportError = error;
    if (state === "connected" && this.link.ready) this.media.start(this.link.ready);
    if (state !== this.dtlsState_) {
      this.dtlsState_ = state;
      this.dispatch(new Event("dtlsstatechange"));
    }
    this.channels.dtlsStateChanged(state);
    this.updateConnectionState();
  };

  private updateConnectionState(): void {
    const next = connectionStateOf([this.iceState], [this.dtlsState_]);
    if (next === this.connectionState) return;
    this.connectionState = next;
    log("connectionState %s", next);
    this.dispatch(new ConnectionStateChangeEvent(next));
  }

  private readonly readSignaling = (): SignalingState => this.signalingState;

  private readonly setSignaling = (state: SignalingState): void => {
    if (state === this.signalingState) return;
    this.signalingState = state;
    this.dispatch(new Event("signalingstatechange"));
  };

  /**
   * DTLS application data: SCTP packets (common header with the negotiated
   * ports, RFC 9260 §3.1) go to the association; anything else is a purertc
   * datagram (sendDatagram).
   */
  private readonly onApplicationData = (data: Uint8Array): void => {
    if (!this.channels.handlePacket(data, this.descriptions.remote?.sctpPort))
      this.dispatch(new DatagramEvent(data));
  };
}
