import type { CandidateGatherer, UdpMux } from "@purertc/ice";

/** RTCIceServer: a STUN or TURN server. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** RTCBundlePolicy. purertc always bundles onto one transport; the value is kept for getConfiguration(). */
export type BundlePolicy = "balanced" | "max-compat" | "max-bundle";

/**
 * RTCIceTransportPolicy: "relay" announces only what `iceGatherers` find
 * (relay candidates), never host or server-reflexive ones.
 */
export type IceTransportPolicy = "all" | "relay";

/**
 * RTCConfiguration, plus purertc's options for where candidates come from.
 * @typeParam C the certificate type of @purertc/dtls.
 */
export interface PeerConnectionConfiguration<C = unknown> {
  iceServers?: IceServer[];
  iceTransportPolicy?: IceTransportPolicy;
  bundlePolicy?: BundlePolicy;
  /**
   * DTLS certificates; the first is used. Default: a fresh ECDSA P-256
   * certificate for each connection, as browsers make (about 0.1 ms with
   * node:crypto): its fingerprint links no two connections together.
   */
  certificates?: C[];
  /**
   * Which local addresses to gather host candidates on: "loopback" (127.0.0.1
   * and ::1 only, for tests and same-host peers) or "all" (every non-internal
   * interface). Default "all".
   */
  interfaces?: "loopback" | "all";
  /**
   * More candidate gatherers for the ICE agent. `stun:` entries of
   * `iceServers` give server-reflexive candidates and `turn:`/`turns:`
   * entries relay candidates (through @purertc/turn) by themselves; pass a
   * `TurnRelayGatherer` here only to tune its client options.
   */
  iceGatherers?: CandidateGatherer[];
  /** Gather host candidates on exactly these local IPs (overrides `interfaces`). */
  addresses?: string[];
  /**
   * Hide host addresses behind `.local` mDNS names (as browsers do) and
   * resolve the peer's `.local` candidates. Default false.
   */
  mdns?: boolean;
  /**
   * DTLS versions to offer or accept. Default `["1.3", "1.2"]`: DTLS 1.3
   * (RFC 9147) whenever the peer offers it, as Chromium and Firefox do.
   */
  dtlsVersions?: ("1.3" | "1.2")[];
  /**
   * DTLS key exchange groups in preference order. Default
   * `["X25519MLKEM768", "x25519", "secp256r1", "secp384r1"]` (the hybrid
   * post-quantum group is used with DTLS 1.3 only).
   */
  dtlsGroups?: ("X25519MLKEM768" | "x25519" | "secp256r1" | "secp384r1")[];
  /**
   * DTLS 1.3: send a KeyUpdate (RFC 8446 §4.6.3, RFC 9147 §8) after this many
   * records in one epoch, asking the peer to update too. Default 2^40 (well
   * within the AEAD limits); small values exercise key updates in tests.
   */
  dtlsKeyUpdateAfterRecords?: number;
  /**
   * purertc extension: offer I-DATA (RFC 8260, message interleaving) in the
   * data channels' SCTP INIT. Default true; used when the peer offers it too
   * (another purertc, Firefox, Chromium with its field trial). `false` keeps
   * to DATA chunks, as pion, werift and libdatachannel peers do.
   */
  sctpInterleaving?: boolean;
  /**
   * ICE-lite (RFC 8445 §2.5), for a server with a public address: host
   * candidates only, no checks of its own, always controlled, `a=ice-lite`
   * in its descriptions; the peer (a browser) must run full ICE. Not with
   * `iceTransportPolicy: "relay"`. Default false.
   */
  iceLite?: boolean;
  /**
   * Server mode: host candidates on this shared UDP socket (or one per
   * address), opened with `UdpMux.open({ address, port })` and shared by
   * every PeerConnection given it; `interfaces` and `addresses` are then not
   * used. Closing the PeerConnection removes its routes; the mux stays open
   * until its own close(), which fails the PeerConnections still on it.
   */
  udpMux?: UdpMux | UdpMux[];
  /**
   * ICE over TCP (RFC 6544): also gather TCP host candidates. `"passive"`
   * for a server the peer connects to (a listening socket per host address,
   * `tcptype passive`; browsers offer `tcptype active` and connect), `"active"`
   * for a client that dials the peer's passive candidates, `"both"` for
   * either. Checks, DTLS and everything above go over the connection.
   * Default: none (UDP only).
   */
  tcpCandidates?: "passive" | "active" | "both";
  /**
   * Gather UDP host candidates. Default true; `false` with `tcpCandidates`
   * offers TCP candidates only (for a peer that cannot use UDP, or to
   * prove a TCP path in a test). Server-reflexive and relay candidates
   * come from `iceServers` as usual.
   */
  udpCandidates?: boolean;
  /**
   * purertc extension (the W3C RTCConfiguration has no such setting):
   * consent freshness timing of the ICE agent (RFC 7675), ms. Defaults as
   * RFC 7675 §5.1: a check every `intervalMs` 5000 (randomized ±20 %),
   * `disconnected` after `disconnectedMs` 10000 and `failed` (consent lost,
   * sending stops) after `timeoutMs` 30000 without an authenticated answer.
   * Ranges: interval 10–60000, timeout longer than the interval and at most
   * 600000, disconnected at least 10 and at most the timeout; the
   * constructor refuses others (`ERR_INVALID_ACCESS`).
   */
  consentFreshness?: ConsentFreshness;
}

/** Consent freshness timing (RFC 7675), a purertc extension of the configuration; see {@link PeerConnectionConfiguration.consentFreshness}. */
export interface ConsentFreshness {
  /** Mean interval between consent checks, ms. Default 5000. */
  intervalMs?: number;
  /** Consent lost (`failed`) after this long without an answer, ms. Default 30000. */
  timeoutMs?: number;
  /** `disconnected` after this long without an answer, ms. Default 10000. */
  disconnectedMs?: number;
}
