import { randomBytes } from "node:crypto";
import { childController, createDebug } from "@purertc/socket";
import type { IceServer, PeerConnectionConfiguration } from "./configuration.js";
import { createAssociation } from "./datachannel/association.js";
import { type DataChannel, DataChannelEvent, type DataChannelInit } from "./datachannel/data-channel.js";
import { isSctpPacket, SctpTransport } from "./datachannel/sctp-transport.js";
import { generateCertificate } from "./dtls-session.js";
import { PeerConnectionError } from "./errors.js";
import {
  ConnectionStateChangeEvent,
  DatagramEvent,
  type IceCandidateInit,
  type PeerConnectionEventMap,
  PeerConnectionIceEvent,
  type SessionDescription,
  type SessionDescriptionInit,
} from "./events.js";
import {
  buildAnswer,
  buildOffer,
  candidateInit,
  type LocalParameters,
  transportAttributes,
  withLocalCandidates,
} from "./local-description.js";
import { MediaSession } from "./media/media-session.js";
import { addMediaStats } from "./media/media-stats.js";
import { MediaTransport } from "./media/media-transport.js";
import type { RtpReceiver } from "./media/receiver.js";
import type { RtpSender } from "./media/sender.js";
import { createSrtpCrypto, type SrtpCrypto } from "./media/srtp-crypto.js";
import type { TrackEvent } from "./media/track-event.js";
import type { RtpTransceiver, TransceiverInit } from "./media/transceiver.js";
import { OperationsChain } from "./operations-chain.js";
import { createPeerTransport, type PeerCertificate, type PeerTransport } from "./peer-transport.js";
import {
  checkAnswer,
  type RemoteParameters,
  readCandidateInit,
  readRemoteDescription,
} from "./remote-description.js";
import { dtlsRoleFromSetup, negotiateSetup } from "./sdp/roles.js";
import { serializeSdp } from "./sdp/serialize.js";
import type { SdpSession, SdpSetup } from "./sdp/types.js";
import {
  connectionStateOf,
  type DtlsTransportState,
  type IceConnectionState,
  type IceGatheringState,
  type IceTransportState,
  iceConnectionStateOf,
  nextSignalingState,
  type PeerConnectionState,
  type SignalingState,
} from "./states.js";
import { buildStats, type StatsReport } from "./stats.js";

const log = createDebug("purertc:pc");

/** Largest application datagram: one DTLS record's plaintext (RFC 6347 §4.1, 2^14). */
const MAX_DATAGRAM = 16384;

type Listener<E> = ((event: E) => unknown) | { handleEvent(event: E): unknown } | null;
type AddOptions = boolean | { once?: boolean; passive?: boolean; capture?: boolean; signal?: AbortSignal };
type RemoveOptions = boolean | { capture?: boolean };

/**
 * An RTCPeerConnection-shaped connection over purertc's ICE agent and DTLS:
 * the same calls, states and events as in a browser, so signalling code
 * reads the same. One bundled transport carries an `m=application`
 * (data-channel) section; until SCTP lands, application datagrams go over the
 * DTLS connection with {@link PeerConnection.sendDatagram} and arrive as
 * `datagram` events.
 *
 * Everything it starts (sockets, timers, the ICE agent, the DTLS
 * connection) hangs off one AbortController: `close()` (or `await using`)
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
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface below only adds typed overloads of EventTarget's own methods.
export class PeerConnection extends EventTarget implements AsyncDisposable {
  private readonly controller = new AbortController();
  private readonly config: Readonly<PeerConnectionConfiguration<PeerCertificate>>;
  private readonly sessionId = BigInt(`0x${randomBytes(8).toString("hex")}`) >> 1n;
  private sessionVersion = 1;
  private readonly operations = new OperationsChain(this.controller.signal);
  private transport: Promise<PeerTransport> | undefined;
  private transportReady: PeerTransport | undefined;
  private remote: RemoteParameters | undefined;
  private local: { session: SdpSession; type: "offer" | "answer" | "pranswer"; setup: SdpSetup } | undefined;
  private lastOffer: SdpSession | undefined;
  private lastAnswer: SdpSession | undefined;
  private readonly localCandidates: LocalParameters["candidates"] = [];
  private localEnd = false;
  private started = false;
  private closing: Promise<void> | undefined;
  private iceState: IceTransportState = "new";
  private readonly media = new MediaSession(
    (event) => this.dispatch(event),
    (transceiver) => this.mediaTransport?.stopTransceiver(transceiver),
  );
  private mediaTransport: MediaTransport | undefined;
  private srtp: SrtpCrypto | undefined;
  private dtlsState_: DtlsTransportState = "new";
  private sctpTransport: SctpTransport | undefined;
  private sctpNegotiated = false;

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
    return this.controller.signal.aborted ? "closed" : this.dtlsState_;
  }

  /** Set when the DTLS transport failed (fingerprint mismatch, handshake error, alert). */
  transportError: Error | undefined;

  /** Event handler attributes, as on RTCPeerConnection. */
  onicecandidate: ((event: PeerConnectionIceEvent) => void) | null = null;
  onicegatheringstatechange: ((event: Event) => void) | null = null;
  oniceconnectionstatechange: ((event: Event) => void) | null = null;
  onconnectionstatechange: ((event: ConnectionStateChangeEvent) => void) | null = null;
  onsignalingstatechange: ((event: Event) => void) | null = null;
  ondatagram: ((event: DatagramEvent) => void) | null = null;
  ontrack: ((event: TrackEvent) => void) | null = null;
  ondatachannel: ((event: DataChannelEvent) => void) | null = null;

  constructor(configuration: PeerConnectionConfiguration<PeerCertificate> = {}) {
    super();
    this.config = { bundlePolicy: "max-bundle", iceTransportPolicy: "all", iceServers: [], ...configuration };
    checkIceServers(this.config.iceServers ?? []);
    if (this.config.iceLite && this.config.iceTransportPolicy === "relay") {
      throw new PeerConnectionError(
        "ERR_INVALID_ACCESS",
        "iceLite has host candidates only: not with iceTransportPolicy relay",
      );
    }
    // The on<event> attributes are ordinary listeners, so a throwing handler
    // behaves as a throwing listener does.
    for (const type of HANDLER_EVENTS) {
      this.addEventListener(type, (event: Event) => {
        const handler = this[`on${type}`] as ((event: Event) => void) | null;
        handler?.call(this, event);
      });
    }
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
    if (!this.local) return null;
    return {
      type: this.local.type,
      sdp: serializeSdp(withLocalCandidates(this.local.session, this.localCandidates, this.localEnd)),
    };
  }

  /** The remote description, with trickled candidates added. */
  get remoteDescription(): SessionDescription | null {
    if (!this.remote) return null;
    return { type: this.remoteType, sdp: serializeSdp(this.remote.session) };
  }
  private remoteType: "offer" | "answer" | "pranswer" = "offer";

  /** True: purertc accepts trickled candidates (a=ice-options:trickle). */
  get canTrickleIceCandidates(): boolean | null {
    return this.remote
      ? (
          this.remote.session.media[this.remote.index]?.iceOptions ??
          this.remote.session.iceOptions ??
          []
        ).includes("trickle")
      : null;
  }

  /**
   * The RTCSctpTransport-like transport of the data channels: null until
   * both descriptions are applied (as in browsers), then its state follows
   * the SCTP association.
   */
  get sctp(): SctpTransport | null {
    return this.sctpNegotiated ? (this.sctpTransport ?? null) : null;
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
    if (this.controller.signal.aborted) {
      throw new PeerConnectionError("ERR_INVALID_STATE", "createDataChannel on a closed PeerConnection");
    }
    return this.ensureSctp().createChannel(String(label), init);
  }

  /** The signal that aborts when the connection closes (for tying your own work to it). */
  get signal(): AbortSignal {
    return this.controller.signal;
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
    if (this.controller.signal.aborted) {
      throw new PeerConnectionError("ERR_INVALID_STATE", "the PeerConnection is closed");
    }
    return this.media.addTransceiver(kind, init);
  }

  /** RTCPeerConnection.getTransceivers(), in creation order. */
  getTransceivers(): RtpTransceiver[] {
    return [...this.media.transceivers];
  }

  /** RTCPeerConnection.getSenders(): the senders of transceivers not stopped. */
  getSenders(): RtpSender[] {
    return this.media.transceivers.filter((t) => !t.stopped).map((t) => t.sender);
  }

  /** RTCPeerConnection.getReceivers(): the receivers of transceivers not stopped. */
  getReceivers(): RtpReceiver[] {
    return this.media.transceivers.filter((t) => !t.stopped).map((t) => t.receiver);
  }

  /** Creates an offer: the transceivers' sections and a data-channel section, bundled, `a=setup:actpass`. */
  createOffer(): Promise<SessionDescriptionInit> {
    return this.operations.run(() => this.createOfferNow());
  }

  /** Creates an answer to the remote offer: `a=setup:active` to an actpass offer (RFC 5763 §5). */
  createAnswer(): Promise<SessionDescriptionInit> {
    return this.operations.run(() => this.createAnswerNow());
  }

  /**
   * Applies a local description (with no argument, creates the offer or
   * answer the state calls for, as browsers do). Starts gathering.
   */
  setLocalDescription(description?: SessionDescriptionInit): Promise<void> {
    return this.operations.run(async () => {
      let init = description;
      if (!init || (init.type !== "rollback" && !init.sdp)) {
        const type = init?.type ?? (this.signalingState === "have-remote-offer" ? "answer" : "offer");
        const session = type === "offer" ? this.lastOffer : this.lastAnswer;
        init = { type, sdp: session ? serializeSdp(session) : "" };
        if (!session) {
          // Implicit create, outside the chain we are already in.
          init = type === "offer" ? await this.createOfferNow() : await this.createAnswerNow();
        }
      }
      const next = nextSignalingState(this.signalingState, "local", init.type);
      if (init.type === "rollback") {
        this.local = undefined;
        this.setSignaling(next);
        return;
      }
      const expected = init.type === "offer" ? this.lastOffer : this.lastAnswer;
      if (!expected || serializeSdp(expected) !== serializeSdp(this.parseOwn(init.sdp ?? ""))) {
        throw new PeerConnectionError(
          "ERR_INVALID_MODIFICATION",
          `setLocalDescription(${init.type}) with an SDP that is not the last one created`,
        );
      }
      const setup = (expected.media.find((m) => m.port !== 0)?.setup ?? "actpass") as SdpSetup;
      this.local = { session: expected, type: init.type, setup };
      this.setSignaling(next);
      this.completeMedia();
      const transport = await this.ensureTransport();
      // The offerer controls; against an ice-lite peer a full agent always does (RFC 8445 §6.1.1).
      transport.gather(init.type === "offer" || this.remote?.iceLite === true);
      this.maybeStart(transport);
    });
  }

  /** Applies the remote description; its candidates are added, connectivity checks start once both sides are set. */
  setRemoteDescription(description: SessionDescriptionInit): Promise<void> {
    return this.operations.run(async () => {
      const next = nextSignalingState(this.signalingState, "remote", description.type);
      if (description.type === "rollback") {
        this.remote = undefined;
        this.setSignaling(next);
        return;
      }
      const remote = readRemoteDescription(description.sdp ?? "");
      if (this.remote && (this.remote.iceUfrag !== remote.iceUfrag || this.remote.icePwd !== remote.icePwd)) {
        throw new PeerConnectionError("ERR_OPERATION", "ICE restart is not supported");
      }
      if (description.type !== "offer") checkAnswer(this.lastOffer, remote);
      const firstRemote = !this.remote;
      this.remote = remote;
      this.remoteType = description.type;
      this.setSignaling(next);
      if (description.type === "offer") this.media.applyRemoteOffer(remote.session);
      else this.media.applyRemoteAnswer(remote.session);
      this.completeMedia();
      const transport = await this.ensureTransport();
      if (firstRemote) {
        for (const c of remote.candidates) await transport.addRemoteCandidate(c);
        if (remote.endOfCandidates) await transport.addRemoteCandidate(undefined);
      }
      this.maybeStart(transport);
    });
  }

  /**
   * Adds a trickled remote candidate; `null`, `{}` or `{ candidate: "" }`
   * signal end-of-candidates (RFC 8838).
   */
  addIceCandidate(candidate?: IceCandidateInit | null): Promise<void> {
    return this.operations.run(async () => {
      const remote = this.remote;
      if (!remote)
        throw new PeerConnectionError("ERR_INVALID_STATE", "addIceCandidate before setRemoteDescription");
      const parsed = readCandidateInit(candidate, remote);
      const media = remote.session.media[remote.index]!;
      if (parsed) media.candidates.push(parsed);
      else media.endOfCandidates = true;
      const transport = await this.ensureTransport();
      await transport.addRemoteCandidate(parsed);
    });
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
    this.transportReady?.send(bytes);
  }

  /**
   * RTCStatsReport: `peer-connection`, `transport` (dtlsState, cipher,
   * roles, selected pair), `candidate-pair`, `local-candidate`,
   * `remote-candidate` and `certificate` reports, and with media
   * `outbound-rtp`, `inbound-rtp` (packets, bytes, lost, NACK/PLI/FIR counts,
   * frames) and `codec`.
   */
  async getStats(): Promise<StatsReport> {
    const report = buildStats(this.transportReady?.statsSource(), {
      iceState: this.iceState,
      dtlsState: this.dtlsState_,
    });
    addMediaStats(report, this.mediaTransport);
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
    const sctp = this.sctpTransport?.close();
    this.signalingState = "closed";
    this.iceConnectionState = "closed";
    this.connectionState = "closed";
    this.controller.abort(new PeerConnectionError("ERR_CLOSED", "the PeerConnection was closed"));
    this.media.close();
    this.mediaTransport?.close();
    this.mediaTransport = undefined;
    this.srtp?.close();
    this.srtp = undefined;
    const transport = this.transport;
    this.transport = undefined;
    this.transportReady = undefined;
    (async () => {
      await sctp;
      const t = await transport?.catch(() => undefined);
      await t?.close();
      log("closed");
    })().then(...settle);
    return this.closing;
  }

  /** Same as {@link PeerConnection.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async createOfferNow(): Promise<SessionDescriptionInit> {
    const transport = await this.ensureTransport();
    const local = this.localParameters(transport);
    const attributes = transportAttributes(local, "actpass");
    this.lastOffer = buildOffer(local, (data) => this.media.offerSections(attributes, data));
    return { type: "offer", sdp: serializeSdp(this.lastOffer) };
  }

  private async createAnswerNow(): Promise<SessionDescriptionInit> {
    const remote = this.remote;
    if (
      !remote ||
      (this.signalingState !== "have-remote-offer" && this.signalingState !== "have-local-pranswer")
    ) {
      throw new PeerConnectionError(
        "ERR_INVALID_STATE",
        `createAnswer in signaling state "${this.signalingState}"`,
      );
    }
    const setup = negotiateSetup(remote.setup);
    if (!setup) throw new PeerConnectionError("ERR_INVALID_SDP", `cannot answer a=setup:${remote.setup}`);
    const transport = await this.ensureTransport();
    const local = this.localParameters(transport);
    const attributes = transportAttributes(local, setup);
    this.lastAnswer = buildAnswer(local, remote.session, remote.dataIndex, setup, (m) =>
      this.media.answerFor(m, attributes),
    );
    return { type: "answer", sdp: serializeSdp(this.lastAnswer) };
  }

  private parseOwn(sdp: string): SdpSession {
    try {
      return readRemoteDescription(sdp).session;
    } catch (error) {
      throw new PeerConnectionError("ERR_INVALID_MODIFICATION", "local SDP does not parse", { cause: error });
    }
  }

  private localParameters(transport: PeerTransport): LocalParameters {
    return {
      sessionId: this.sessionId.toString(),
      sessionVersion: this.sessionVersion++,
      iceUfrag: transport.iceUfrag,
      icePwd: transport.icePwd,
      fingerprints: [transport.fingerprint],
      // Candidates go out by trickle; a description made later carries those known.
      candidates: [],
      endOfCandidates: false,
      iceLite: this.config.iceLite === true,
    };
  }

  private ensureTransport(): Promise<PeerTransport> {
    if (this.controller.signal.aborted) {
      return Promise.reject(new PeerConnectionError("ERR_INVALID_STATE", "the PeerConnection is closed"));
    }
    this.transport ??= createPeerTransport({
      config: this.config,
      signal: childController(this.controller.signal).signal,
      listener: {
        localCandidate: (c) => this.onLocalCandidate(c),
        gatheringState: (s) => this.onGatheringState(s),
        iceState: (s) => this.onIceState(s),
        dtlsState: (s, error) => this.onDtlsState(s, error),
        datagram: this.onApplicationData,
        media: (d, kind) => this.mediaTransport?.receive(d, kind),
      },
    }).then((t) => {
      if (this.controller.signal.aborted) {
        void t.close();
        throw new PeerConnectionError("ERR_CLOSED", "the PeerConnection was closed");
      }
      this.transportReady = t;
      return t;
    });
    return this.transport;
  }

  /** Once an offer/answer exchange completes: what each transceiver negotiated. */
  private completeMedia(): void {
    if (!this.local || !this.remote || this.signalingState !== "stable") return;
    const negotiated = this.media.completeNegotiation(
      this.local.session,
      this.remote.session,
      this.local.type === "offer",
    );
    this.mediaTransport?.update(negotiated);
  }

  /** Starts checks (and DTLS after them) once both descriptions are in. */
  private maybeStart(transport: PeerTransport): void {
    if (this.started || !this.local || !this.remote || this.signalingState !== "stable") return;
    const remoteSetup = this.remote.setup;
    const role = dtlsRoleFromSetup(this.local.setup, remoteSetup);
    if (!role) {
      throw new PeerConnectionError(
        "ERR_INVALID_SDP",
        `a=setup:${this.local.setup} with a remote a=setup:${remoteSetup} decides no DTLS role (RFC 5763 §5)`,
      );
    }
    this.started = true;
    // SCTP only when the peer accepted a data-channel section (a media-only peer has none).
    if (this.remote.dataIndex >= 0) {
      this.ensureSctp().configure(role, this.remote.sctpPort, this.remote.maxMessageSize);
      this.sctpNegotiated = true;
    }
    const controlling = this.local.type === "offer" || this.remote.iceLite;
    log("start: ice %s, dtls %s", controlling ? "controlling" : "controlled", role);
    transport.start(
      {
        iceUfrag: this.remote.iceUfrag,
        icePwd: this.remote.icePwd,
        iceLite: this.remote.iceLite,
        fingerprints: this.remote.fingerprints,
      },
      controlling,
      role,
    );
  }

  private onLocalCandidate(candidate: LocalParameters["candidates"][number]): void {
    if (this.controller.signal.aborted) return;
    this.localCandidates.push(candidate);
    const section = this.local?.session.media.find((m) => m.port !== 0);
    const index = this.local?.session.media.indexOf(section!) ?? 0;
    const init = candidateInit(candidate, section?.mid ?? "0", index, this.transportReady?.iceUfrag ?? "");
    this.dispatch(new PeerConnectionIceEvent(init));
  }

  private onGatheringState(state: IceGatheringState): void {
    if (this.controller.signal.aborted || state === this.iceGatheringState) return;
    this.iceGatheringState = state;
    if (state === "complete") this.localEnd = true;
    this.dispatch(new Event("icegatheringstatechange"));
    // The null candidate follows the state change, as in browsers.
    if (state === "complete") this.dispatch(new PeerConnectionIceEvent(null));
  }

  private onIceState(state: IceTransportState): void {
    if (this.controller.signal.aborted) return;
    this.iceState = state;
    const ice = iceConnectionStateOf([state]);
    if (ice !== this.iceConnectionState) {
      this.iceConnectionState = ice;
      this.dispatch(new Event("iceconnectionstatechange"));
    }
    this.updateConnectionState();
  }

  private onDtlsState(state: DtlsTransportState, error?: Error): void {
    if (this.controller.signal.aborted) return;
    if (error) this.transportError = error;
    if (state === "connected") this.startMedia();
    if (state !== this.dtlsState_) {
      this.dtlsState_ = state;
      this.dispatch(new Event("dtlsstatechange"));
    }
    // SCTP runs over DTLS application data once DTLS is up; both ends INIT (RFC 8841).
    if (state === "connected" && this.sctpNegotiated) this.sctpTransport?.start();
    // DTLS gone (close_notify, alert): the association and its channels end with it.
    if (state === "closed" || state === "failed") void this.sctpTransport?.close();
    this.updateConnectionState();
  }

  /** DTLS is up: SRTP keyed from its exporter (RFC 5764 §4.2) for the negotiated profile, media flows. */
  private startMedia(): void {
    if (this.mediaTransport || !this.transportReady) return;
    const keys = this.transportReady.srtpKeys();
    if (!keys) {
      log("no SRTP profile negotiated: no media");
      return;
    }
    const transport = this.transportReady;
    this.srtp = createSrtpCrypto(keys.profile, keys.material, keys.role);
    keys.material.fill(0);
    this.mediaTransport = new MediaTransport(this.srtp, (d) => transport.sendMedia(d), this.media.cname);
    this.mediaTransport.update(this.media.negotiated);
  }

  private updateConnectionState(): void {
    const next = connectionStateOf([this.iceState], [this.dtlsState_]);
    if (next === this.connectionState) return;
    this.connectionState = next;
    log("connectionState %s", next);
    this.dispatch(new ConnectionStateChangeEvent(next));
  }

  private setSignaling(state: SignalingState): void {
    if (state === this.signalingState) return;
    this.signalingState = state;
    this.dispatch(new Event("signalingstatechange"));
  }

  private ensureSctp(): SctpTransport {
    if (!this.sctpTransport) {
      const pc = this;
      this.sctpTransport = new SctpTransport({
        createAssociation,
        sendPacket: this.sendSctpPacket,
        onDataChannel: (channel) => this.dispatch(new DataChannelEvent(channel)),
        dtls: {
          get state() {
            return pc.dtlsState;
          },
        },
      });
    }
    return this.sctpTransport;
  }

  private readonly sendSctpPacket = (packet: Uint8Array): void => {
    this.transportReady?.send(packet);
  };

  /**
   * DTLS application data: SCTP packets (common header with the negotiated
   * ports, RFC 9260 §3.1) go to the association; anything else is a purertc
   * datagram (sendDatagram).
   */
  private readonly onApplicationData = (data: Uint8Array): void => {
    const sctp = this.sctpTransport;
    if (sctp && this.remote && isSctpPacket(data, this.remote.sctpPort)) sctp.handlePacket(data);
    else this.dispatch(new DatagramEvent(data));
  };

  private dispatch(event: Event): void {
    this.dispatchEvent(event);
  }
}

const HANDLER_EVENTS = [
  "icecandidate",
  "icegatheringstatechange",
  "iceconnectionstatechange",
  "connectionstatechange",
  "signalingstatechange",
  "datagram",
  "track",
  "datachannel",
] as const;

/** Typed listeners, as lib.dom types RTCPeerConnection's. */
export interface PeerConnection {
  addEventListener<K extends keyof PeerConnectionEventMap>(
    type: K,
    listener: Listener<PeerConnectionEventMap[K]>,
    options?: AddOptions,
  ): void;
  addEventListener(type: string, listener: Listener<Event>, options?: AddOptions): void;
  removeEventListener<K extends keyof PeerConnectionEventMap>(
    type: K,
    listener: Listener<PeerConnectionEventMap[K]>,
    options?: RemoveOptions,
  ): void;
  removeEventListener(type: string, listener: Listener<Event>, options?: RemoveOptions): void;
}

/** As the browser's constructor: a TURN server needs a username and a credential (W3C webrtc §4.4.1.1). */
function checkIceServers(servers: readonly IceServer[]): void {
  for (const server of servers) {
    const urls = Array.isArray(server.urls) ? server.urls : [server.urls];
    if (
      urls.some((url) => /^turns?:/i.test(url)) &&
      (server.username === undefined || server.credential === undefined)
    ) {
      throw new PeerConnectionError(
        "ERR_INVALID_ACCESS",
        `iceServers entry ${urls.join(", ")}: a turn: server needs username and credential`,
      );
    }
  }
}
