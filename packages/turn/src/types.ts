import type { SocketRegistry } from "@purertc/socket";
import type { LongTermAlgorithm, StunAddress } from "@purertc/stun";

/**
 * States of a {@link TurnClient}:
 *
 * ```
 *  new ──allocate()──▶ allocating ──401──▶ authenticating ──2xx──▶ allocated ──close()──▶ closing ──▶ closed
 *                          │  ▲               │  (438: new nonce, retry)       │
 *                          │  └───────────────┘                                │ refresh fails
 *                          └── error / timeout / close() ──▶ closed            ▼
 *                                                                    failed ──close()──▶ closed
 * ```
 *
 * - `allocating`: the first Allocate, unsigned, is in flight (RFC 8656 §7.1).
 * - `authenticating`: Allocate signed with the long-term credential (after 401, RFC 8489 §9.2).
 * - `allocated`: relayed address known; refreshes, permissions and channels run.
 * - `failed`: the allocation was lost (refresh refused or unanswered); only close() is left.
 * - `closing`: deallocating (Refresh with LIFETIME 0, bounded wait).
 */
export type TurnClientState =
  | "new"
  | "allocating"
  | "authenticating"
  | "allocated"
  | "failed"
  | "closing"
  | "closed";

/** A transport address (IP and port). */
export interface PeerAddress {
  address: string;
  port: number;
}

/** Timing knobs, mostly for tests; the defaults follow RFC 8656. */
export interface TurnTiming {
  /** Re-send CreatePermission this often. Default 240 000 ms (4 min; permissions live 5, §9). */
  permissionRefreshMs?: number;
  /** Re-send ChannelBind this often. Default 540 000 ms (bindings live 10 min, §12). */
  channelRefreshMs?: number;
  /** Refresh the allocation this long before it expires (capped at half the lifetime). Default 60 000 ms. */
  refreshMarginMs?: number;
  /** After a failed refresh, retry after this long while time remains. Default 5 000 ms. */
  retryMs?: number;
  /** Refresh this long after each success instead (tests: coturn grants no lifetime under 600 s). Default: unset. */
  refreshAfterMs?: number;
}

/** Options of {@link TurnClient}. */
export interface TurnClientOptions {
  /** The TURN server: `"host:port"` (`[v6]:port`) or an address object. Port 3478 when omitted in the string. */
  server: string | PeerAddress;
  /** Long-term credential username. */
  username: string;
  /** Long-term credential password. */
  password: string;
  /** Password algorithms accepted when the server offers a choice (RFC 8489 §9.2.4). Default both. */
  algorithms?: LongTermAlgorithm[];
  /**
   * Family of the relayed address (REQUESTED-ADDRESS-FAMILY, RFC 8656 §7.1).
   * Default: none sent, which servers take as IPv4.
   */
  relayFamily?: "IPv4" | "IPv6";
  /** LIFETIME to ask for, in seconds. Default: none (the server's default, 600 s). */
  lifetime?: number;
  /**
   * Transport to the server: `udp` (default), `tcp`, or `tls` (RFC 8656 §3.1;
   * the relay stays UDP). A `turn:…?transport=tcp` or `turns:` server URI sets it too.
   */
  transport?: "udp" | "tcp" | "tls";
  /**
   * TLS options for `tls` (Node's `tls.connect` options: `ca`, `servername`, …).
   * The server certificate is verified unless `rejectUnauthorized: false`.
   */
  tls?: import("node:tls").ConnectionOptions;
  /** Local address to bind the socket to the server on. Default: any of the server's family. */
  localAddress?: string;
  /**
   * Local port. Default 0 (any free port). After a 437 Allocation Mismatch the
   * client retries from another port anyway (RFC 8656 §7.4).
   */
  localPort?: number;
  /** Bind ChannelBind channels to peers automatically on first send (RFC 8656 §12). Default true. */
  channels?: boolean;
  /** SOFTWARE attribute for requests. Default none. */
  software?: string;
  /** How long close() waits for the deallocation answer. Default 1 000 ms. */
  closeTimeoutMs?: number;
  /** Initial RTO of requests (RFC 8489 §6.2.1). Default 500 ms. */
  rto?: number;
  /** Retransmissions per request (Rc). Default 7. */
  rc?: number;
  /** The registry to open the socket in. Default `SocketRegistry.default`. */
  registry?: SocketRegistry;
  /** Aborting it closes the client (and rejects a pending allocate()). */
  signal?: AbortSignal;
  /** Timing knobs (tests). */
  timing?: TurnTiming;
}

/** What a successful Allocate gave. */
export interface TurnAllocationInfo {
  /** The relayed transport address (XOR-RELAYED-ADDRESS): peers send here. */
  relayed: StunAddress;
  /** Our address as the server sees it (XOR-MAPPED-ADDRESS): a server-reflexive candidate. */
  mapped: StunAddress | undefined;
  /** Granted lifetime in seconds. */
  lifetime: number;
  /** Milliseconds from the first Allocate to the success response (challenge included). */
  elapsedMs: number;
  /** Password algorithm of the key (`md5` unless the server offered SHA-256). */
  algorithm: LongTermAlgorithm;
  /** The server's SOFTWARE, if it sent one. */
  software: string | undefined;
}

/** Counters of a client (live object). */
export interface TurnClientStats {
  /** Datagrams from the server that were neither STUN nor ChannelData, or did not decode. */
  malformed: number;
  /** Responses discarded because their integrity was missing or wrong (the transaction's count). */
  unauthenticated: number;
  /** Datagrams from an address other than the server. */
  foreign: number;
  /** ChannelData on a channel we never bound. */
  unknownChannel: number;
  /** STUN messages from the server we do not handle (requests, stray indications, unmatched responses). */
  unexpected: number;
  /** Data indications received. */
  dataIndications: number;
  /** ChannelData messages received. */
  channelDataIn: number;
  /** Send indications sent. */
  sendIndications: number;
  /** ChannelData messages sent. */
  channelDataOut: number;
  /** Datagrams dropped on send: no permission (refused, or queue full), or the client is not allocated. */
  dropped: number;
  /** Allocation refreshes that succeeded. */
  refreshes: number;
  /** CreatePermission requests that succeeded (first installs and refreshes). */
  permissionRequests: number;
  /** ChannelBind requests that succeeded (first binds and refreshes). */
  channelBinds: number;
  /** 437 Allocation Mismatch answers to Allocate, each retried from another local port. */
  allocationMismatches: number;
  /** 300 Try Alternate redirects followed (to ALTERNATE-SERVER, RFC 8489 §10). */
  redirects: number;
  /** 438 Stale Nonce answers handled. */
  staleNonces: number;
}

/** Events of a {@link TurnClient}. */
export interface TurnClientEvents {
  /** A datagram from a peer, relayed by the server (Data indication or ChannelData). */
  message: [data: Uint8Array, peer: PeerAddress];
  /** The state changed. */
  state: [state: TurnClientState];
}
