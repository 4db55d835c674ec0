import type { SocketRegistry } from "@purertc/socket";
import type { Candidate } from "./candidate.js";
import type { IceCredentials } from "./credentials.js";
import type { CandidateErrorEvent, CandidateGatherer } from "./gather/index.js";
import type { MdnsProvider, MdnsProviderOptions } from "./gather/mdns.js";
import type { UdpMux } from "./mux/udp-mux.js";
import type { RetransmitOptions } from "./retransmit.js";
import type { GatheringState } from "./session-state.js";
import type { IceTcpOptions } from "./tcp/gather.js";

/** Transport states (W3C `RTCIceTransportState`). */
export type IceTransportState =
  | "new"
  | "checking"
  | "connected"
  | "completed"
  | "disconnected"
  | "failed"
  | "closed";

/** ICE role (RFC 8445 §6.1.1). */
export type IceRole = "controlling" | "controlled";

/** The selected candidate pair, as the W3C `RTCIceCandidatePair`. */
export interface SelectedPair {
  /** Stable id of the pair (`pair-N`). */
  id: string;
  local: Candidate;
  remote: Candidate;
  /** Round-trip time of its last successful check, ms. */
  rttMs: number | undefined;
}

/** Options of {@link IceAgent}. */
export interface IceAgentOptions {
  /** Role at start; a role conflict may change it (`rolechange`). Default `controlling`. */
  role?: IceRole;
  /**
   * ICE-lite (RFC 8445 §2.5), for servers with a public address: host
   * candidates only (`stunServers` and `gatherers` are not used), no
   * connectivity or consent checks sent, checks answered; always
   * controlled (`role` is ignored, role conflicts are answered with 487),
   * and the pair a check with USE-CANDIDATE came on is selected. Consent is
   * the peer's checks on the selected pair (RFC 7675 needs a full peer to
   * send them). Signal it with `a=ice-lite`; the full peer must control.
   * Default false.
   */
  lite?: boolean;
  /**
   * Server mode: host candidates on these shared sockets (one per address,
   * see {@link UdpMux}) instead of a socket of the agent's own per
   * interface; `loopback`, `addresses`, `ipv4` and `ipv6` are then not used.
   * Every agent on a mux announces the mux's address and port. Closing the
   * agent (or restarting it) removes its routes; closing the mux fails the
   * agent (`failed`, `IceError` `ERR_CLOSED`).
   */
  udpMux?: UdpMux | UdpMux[];
  /**
   * ICE over TCP (RFC 6544): `{ passive: true }` for a server that the
   * peer connects to (a listener per host address, `tcptype passive`),
   * `{ active: true }` for a client that dials the peer's passive
   * candidates (`tcptype active`, port 9), both for either. Checks and then
   * all data go over the connection in RFC 4571 frames. Off by default.
   */
  tcp?: IceTcpOptions;
  /**
   * Gather UDP host candidates (default true). `udp: false` with `tcp`
   * offers TCP candidates only.
   */
  udp?: boolean;
  /** Local credentials; fresh random ones by default. */
  credentials?: IceCredentials;
  /** Tie-breaker for role conflicts (64 bits); random by default. */
  tieBreaker?: bigint;
  /** STUN servers for server-reflexive candidates: `host:port` or `stun:host:port`. */
  stunServers?: string[];
  /** Loopback addresses: `false` (default) leaves them out, `true` adds them, `"only"` uses nothing else. */
  loopback?: boolean | "only";
  /** Explicit local IPs to gather host candidates on (instead of every interface). */
  addresses?: string[];
  /** Gather IPv4 host candidates (default true). */
  ipv4?: boolean;
  /** Gather IPv6 host candidates (default true). */
  ipv6?: boolean;
  /**
   * mDNS: publish host candidates as `<uuid>.local` names (instead of their
   * IPs) and resolve the peer's names. `true` uses the mDNS group on the
   * default interface; options (e.g. `{ group: "127.0.0.1", port: 0 }` for a
   * loopback test) or a ready {@link MdnsProvider} can be given. The agent
   * closes a provider it made. Off by default: then remote `.local`
   * candidates are ignored.
   */
  mdns?: boolean | MdnsProviderOptions | MdnsProvider;
  /** More gatherers run after host gathering (the seam for TURN relay candidates). */
  gatherers?: CandidateGatherer[];
  /**
   * Relay only (W3C `iceTransportPolicy: "relay"`): no host (nor srflx)
   * candidates; only what `gatherers` find. Default false.
   */
  relayOnly?: boolean;
  /** Keep srflx candidates equal to their base (RFC 8445 §5.1.3 drops them). Default false. */
  keepRedundantCandidates?: boolean;
  /** Pacing timer Ta between checks, ms (RFC 8445 §14.2). Default 50. */
  ta?: number;
  /** Retransmission of connectivity checks. Default rto 200, maxRto 1600, 7 tries. */
  checkRetransmit?: Partial<RetransmitOptions>;
  /** Retransmission of requests to STUN servers. Default rto 250, maxRto 1000, 4 tries. */
  serverRetransmit?: Partial<RetransmitOptions>;
  /**
   * As controlling agent, how long a valid pair waits for higher-priority
   * pairs still being checked before it is nominated anyway, ms. Default 300.
   */
  nominationTimeoutMs?: number;
  /**
   * Consent checks interval, ms (randomized ±20 %, RFC 7675 §5.1), 10–60000.
   * Default 5000.
   */
  consentIntervalMs?: number;
  /**
   * Consent lost (state `failed`, sending stops) after this long without an
   * authenticated answer, ms; longer than the interval, at most 600000.
   * Default 30000 (RFC 7675 §5.1). Answers that arrive after their check's
   * retransmissions gave up (a loaded event loop) still count.
   */
  consentTimeoutMs?: number;
  /**
   * `disconnected` after this long without an answer to consent checks, ms;
   * at most `consentTimeoutMs`. Default 10000.
   */
  disconnectedTimeoutMs?: number;
  /**
   * Peers that never signal end-of-candidates (Chromium does not): once
   * every pair has failed and no remote candidate came for this long, ms,
   * act as if end-of-candidates had come, so the agent can reach `failed`.
   * Default undefined: wait for end-of-candidates, as the W3C states say.
   */
  assumeEndOfCandidatesAfterMs?: number;
  /** The socket registry. Default {@link SocketRegistry.default}. */
  registry?: SocketRegistry;
}

/** Events of {@link IceAgent}. */
export interface IceAgentEvents {
  /** A local candidate to signal; `null` when gathering is complete (end-of-candidates). */
  candidate: [candidate: Candidate | null];
  gatheringstatechange: [state: GatheringState];
  statechange: [state: IceTransportState];
  /** The selected pair changed (W3C `RTCIceTransport` names it the same). */
  selectedcandidatepairchange: [pair: SelectedPair];
  /** A STUN/TURN server did not give a candidate (W3C `icecandidateerror`). */
  candidateerror: [error: CandidateErrorEvent];
  rolechange: [role: IceRole];
}

/** Counters of an agent. */
export interface IceAgentStats {
  datagramsSent: number;
  datagramsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  /** Packets dropped: malformed or unauthenticated STUN, data from unknown sources, sends without a pair. */
  dropped: number;
  /** Every local candidate of the current generation, peer-reflexive ones learned from answers included. */
  localCandidates: Candidate[];
  /** Every remote candidate, peer-reflexive ones learned from checks included. */
  remoteCandidates: Candidate[];
  /**
   * Id of the pair that transports data (webrtc-stats
   * `selectedCandidatePairId`): the selected pair, or before nomination the
   * valid pair data goes on (RFC 8445 §12.1; its `nominated` is false);
   * undefined before any.
   */
  selectedCandidatePairId: string | undefined;
  /** Pairs of the current checklist with their states. */
  pairs: Array<{
    id: string;
    local: string;
    remote: string;
    state: string;
    nominated: boolean;
    priority: string;
  }>;
}
