import { defaultMlKemPool, type SrtpProfileName } from "@purertc/dtls";
import {
  type Candidate,
  type CandidateGatherer,
  generateCredentials,
  IceAgent,
  type IceAgentOptions,
  type IceCredentials,
} from "@purertc/ice";
import { createDebug } from "@purertc/socket";
import { TurnRelayGatherer, turnUrls } from "@purertc/turn";
import type { PeerConnectionConfiguration } from "./configuration.js";
import { consentOptions } from "./configuration-check.js";
import {
  connectionCertificate,
  type DtlsSession,
  generateCertificate,
  type PeerCertificate,
  startDtls,
} from "./dtls-session.js";
import { PeerConnectionError } from "./errors.js";
import { DemuxTransport } from "./media/demux.js";
import type { SdpCandidate, SdpFingerprint } from "./sdp/types.js";
import type { CandidateStatsSource, TransportStatsSource } from "./stats.js";
import type { RemoteTransportParameters, TransportListener } from "./transport.js";

export { generateCertificate, type PeerCertificate };

const log = createDebug("purertc:pc");

/** Datagrams that arrive before our own first valid pair, when DTLS takes over, are kept, up to this many. */
const EARLY_DATAGRAMS = 8;

/** Options of {@link createPeerTransport}. */
export interface PeerTransportOptions {
  config: Readonly<PeerConnectionConfiguration<PeerCertificate>>;
  /** Closes DTLS when it aborts; the PeerConnection closes the transport itself (close()) and passes none. */
  signal?: AbortSignal | undefined;
  listener: TransportListener;
}

/**
 * The one transport of a PeerConnection: an ICE agent (made when the role
 * is known, at setLocalDescription) and, once ICE has a valid pair (before
 * nomination completes, RFC 8445 §12.1; the agent moves data to the selected
 * pair when there is one), a DTLS connection over the agent, role from
 * a=setup, the peer's certificate checked against the remote a=fingerprint.
 */
export class PeerTransport {
  readonly iceUfrag: string;
  readonly icePwd: string;
  readonly fingerprint: SdpFingerprint;
  private agent: IceAgent | undefined;
  private dtls: DtlsSession | undefined;
  private demux: DemuxTransport | undefined;
  private pendingRemote: (SdpCandidate | undefined)[] = [];
  private remote: RemoteTransportParameters | undefined;
  private dtlsRole: "client" | "server" | undefined;
  private early: Uint8Array[] = [];
  private listener: TransportListener | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly options: PeerTransportOptions,
    readonly certificate: PeerCertificate,
    credentials: IceCredentials,
  ) {
    this.iceUfrag = credentials.ufrag;
    this.icePwd = credentials.pwd;
    const [algorithm = "sha-256", value = ""] = certificate.fingerprint.split(" ");
    this.fingerprint = { algorithm: algorithm.toLowerCase(), value };
    this.listener = options.listener;
  }

  /** Makes the ICE agent with its role and starts gathering. Idempotent. */
  gather(controlling: boolean): void {
    if (this.agent || this.closing) return;
    const config = this.options.config;
    const agentOptions: IceAgentOptions = {
      role: controlling ? "controlling" : "controlled",
      credentials: { ufrag: this.iceUfrag, pwd: this.icePwd },
      stunServers: stunServers(config),
    };
    if (config.addresses) agentOptions.addresses = config.addresses;
    else if (config.interfaces === "loopback") agentOptions.loopback = "only";
    if (config.mdns) agentOptions.mdns = true;
    if (config.iceLite) agentOptions.lite = true;
    if (config.udpMux) agentOptions.udpMux = config.udpMux;
    if (config.tcpCandidates) {
      const tcp = config.tcpCandidates;
      agentOptions.tcp = { passive: tcp !== "active", active: tcp !== "passive" };
    }
    if (config.udpCandidates === false) agentOptions.udp = false;
    if (config.consentFreshness) Object.assign(agentOptions, consentOptions(config.consentFreshness));
    const gatherers: CandidateGatherer[] = [...(config.iceGatherers ?? [])];
    // TURN entries of iceServers gather relay candidates, as in browsers
    // (unless the caller already passed a relay gatherer of its own).
    // (The constructor refused TURN entries without credentials.)
    const turnServers = (config.iceServers ?? [])
      .map((server) => ({
        urls: server.urls,
        username: server.username ?? "",
        credential: server.credential ?? "",
      }))
      .filter((server) => turnUrls(server).length > 0);
    if (turnServers.length > 0 && !gatherers.some((g) => g instanceof TurnRelayGatherer)) {
      gatherers.push(new TurnRelayGatherer(turnServers));
    }
    if (gatherers.length) agentOptions.gatherers = gatherers;
    if (config.iceTransportPolicy === "relay") agentOptions.relayOnly = true;
    const agent = new IceAgent(agentOptions);
    this.agent = agent;
    agent.on("candidate", (c) => {
      // The SDP layer's candidate is ICE's: a copy, so the description never shares the agent's object.
      if (c) this.listener?.localCandidate({ ...c, extensions: [...c.extensions] });
    });
    agent.on("gatheringstatechange", (s) => this.listener?.gatheringState(s));
    agent.on("statechange", (s) => {
      if (s === "closed") return;
      this.listener?.iceState(s);
      // A valid pair (RFC 8445 §12.1) carries DTLS before nomination completes: the DTLS
      // client's ClientHello leaves a round trip earlier, the server answers on the path it came.
      if (s === "connected" || s === "completed") this.startDtls();
    });
    agent.on("selectedcandidatepairchange", () => this.startDtls());
    // Keep early datagrams until DTLS takes over: a peer sending on its valid pair (RFC 8445
    // §12.1) can send its ClientHello before our own first valid pair, even before its answer
    // reaches us (its checks are answered from our credentials alone).
    agent.onDatagram = this.keepEarly;
    agent.gather().catch((error: unknown) => log("gathering failed: %s", (error as Error).message));
    if (this.remote) this.applyRemote();
  }

  /** Gives the agent the remote credentials, starts checks; DTLS follows the first valid pair. */
  start(remote: RemoteTransportParameters, controlling: boolean, dtlsRole: "client" | "server"): void {
    if (this.closing) return;
    this.remote = remote;
    this.dtlsRole = dtlsRole;
    if (dtlsRole === "client") prepareClientKeys(this.options.config);
    if (!this.agent) this.gather(controlling);
    else this.applyRemote();
  }

  private applyRemote(): void {
    const agent = this.agent!;
    const remote = this.remote!;
    agent.setRemoteCredentials({ ufrag: remote.iceUfrag, pwd: remote.icePwd });
    const pending = this.pendingRemote;
    this.pendingRemote = [];
    for (const c of pending) {
      try {
        this.addToAgent(c);
      } catch (error) {
        // One candidate of a description the agent refuses must not refuse the description.
        log("remote candidate ignored: %s", (error as Error).message);
      }
    }
    agent.start();
  }

  /** A remote candidate (undefined: end-of-candidates); kept until the agent can take it. */
  async addRemoteCandidate(candidate: SdpCandidate | undefined): Promise<void> {
    if (this.closing) return;
    if (!this.agent || !this.remote) {
      this.pendingRemote.push(candidate);
      return;
    }
    this.addToAgent(candidate);
  }

  private addToAgent(candidate: SdpCandidate | undefined): void {
    try {
      this.agent!.addRemoteCandidate(candidate ?? null);
    } catch (error) {
      throw new PeerConnectionError("ERR_OPERATION", `candidate refused: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  private startDtls(): void {
    if (this.dtls || this.closing || !this.agent || !this.remote || !this.dtlsRole) return;
    const agent = this.agent;
    this.listener?.dtlsState("connecting");
    const early = this.early;
    this.early = [];
    // DTLS records to DTLS, SRTP/SRTCP to the media transport (RFC 7983).
    this.demux = new DemuxTransport(agent, this.onMedia);
    this.dtls = startDtls({
      transport: this.demux,
      role: this.dtlsRole,
      certificate: this.certificate,
      fingerprints: this.remote.fingerprints,
      versions: this.options.config.dtlsVersions,
      groups: this.options.config.dtlsGroups,
      keyUpdateAfterRecords: this.options.config.dtlsKeyUpdateAfterRecords,
      signal: this.options.signal,
      onState: (state, error) => this.listener?.dtlsState(state, error),
      onData: (data) => this.listener?.datagram(data),
    });
    for (const d of early) agent.onDatagram?.(d);
  }

  private readonly keepEarly = (data: Uint8Array): void => {
    if (this.early.length < EARLY_DATAGRAMS) this.early.push(data);
  };

  private readonly onMedia = (data: Uint8Array, kind: "rtp" | "rtcp"): void => {
    this.listener?.media?.(data, kind);
  };

  /** Sends an SRTP/SRTCP datagram on the selected (or, before nomination, a valid) pair; dropped before one. */
  sendMedia(data: Uint8Array): void {
    this.agent?.send(data);
  }

  /** The SRTP keys once DTLS is connected with use_srtp, and our DTLS role. */
  srtpKeys(): { profile: SrtpProfileName; material: Uint8Array; role: "client" | "server" } | undefined {
    const keys = this.dtls?.srtpKeys();
    return keys && this.dtlsRole ? { ...keys, role: this.dtlsRole } : undefined;
  }

  /** Bytes a DTLS record adds to its content, once connected. */
  get recordOverhead(): number | undefined {
    return this.dtls?.recordOverhead();
  }

  /** Sends application data over DTLS (dropped before connected). */
  send(data: Uint8Array): void {
    this.dtls?.send(data);
  }

  /** What getStats() reports. */
  statsSource(): TransportStatsSource {
    const agent = this.agent;
    const s = agent?.getStats();
    // The pair used to transport (webrtc-stats): the selected one, else before nomination
    // the valid pair data goes on (RFC 8445 §12.1), reported `nominated: false`.
    const selected = agent?.selectedPair ?? agent?.dataPair;
    const pair = selected ? s?.pairs.find((p) => p.id === selected.id) : undefined;
    const source: TransportStatsSource = {
      localCandidates: (agent?.localCandidates ?? []).map(statsCandidate),
      remoteCandidates: (agent?.remoteCandidates ?? []).map(statsCandidate),
      bytesSent: s?.bytesSent ?? 0,
      bytesReceived: s?.bytesReceived ?? 0,
      packetsSent: s?.datagramsSent ?? 0,
      packetsReceived: s?.datagramsReceived ?? 0,
      localCertificate: { fingerprint: this.certificate.fingerprint, der: this.certificate.der },
    };
    if (agent) {
      source.iceRole = agent.role;
      source.iceLocalUsernameFragment = this.iceUfrag;
    }
    if (selected) {
      source.selectedPair = {
        local: statsCandidate(selected.local),
        remote: statsCandidate(selected.remote),
        rttMs: selected.rttMs,
        state: pair?.state ?? "succeeded",
        // A pair of a generation an ICE restart retired is not in the stats: it was nominated if selected.
        nominated: pair?.nominated ?? selected.id === agent?.selectedPair?.id,
      };
    }
    if (this.dtlsRole) source.dtlsRole = this.dtlsRole;
    this.dtls?.describe(source);
    return source;
  }

  /** Closes DTLS (close_notify), then the agent and its sockets. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.listener = undefined;
      this.early = [];
      this.pendingRemote = [];
      const dtls = this.dtls;
      const agent = this.agent;
      const demux = this.demux;
      this.demux = undefined;
      this.dtls = undefined;
      this.agent = undefined;
      // The agent lets what is queued (the close_notify) leave before its sockets close.
      await dtls?.close();
      await demux?.close();
      await agent?.close();
    })();
    return this.closing;
  }
}

/**
 * A DTLS client offering X25519MLKEM768 takes an ML-KEM key pair from
 * @purertc/dtls's pool at ClientHello time: once the role is known, the pool
 * fills (if it is not full) on idle turns while ICE checks run, so that the
 * first handshake of a process does not make its key pair on the critical path.
 */
function prepareClientKeys(config: PeerConnectionConfiguration): void {
  const groups = config.dtlsGroups;
  if (config.dtlsVersions && !config.dtlsVersions.includes("1.3")) return;
  if (groups && groups[0] !== "X25519MLKEM768") return; // the client's key share is for its first group
  defaultMlKemPool().refillSoon();
}

function statsCandidate(c: Candidate): CandidateStatsSource {
  return c;
}

function stunServers(config: PeerConnectionConfiguration): string[] {
  const out: string[] = [];
  for (const server of config.iceServers ?? []) {
    for (const url of Array.isArray(server.urls) ? server.urls : [server.urls]) {
      if (/^stuns?:/i.test(url)) out.push(url);
    }
  }
  return out;
}

/** Makes the transport: the certificate given, or a fresh one of its own (as browsers make). */
export async function createPeerTransport(options: PeerTransportOptions): Promise<PeerTransport> {
  const certificate = options.config.certificates?.[0] ?? connectionCertificate();
  return new PeerTransport(options, certificate, generateCredentials());
}
