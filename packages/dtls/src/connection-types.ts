import type { DtlsOptions } from "./config.js";
import type { CookieAuthority } from "./crypto/cookie.js";
import type { DtlsError } from "./errors.js";

/** States of a {@link DtlsConnection}. */
export type DtlsConnectionState = "new" | "connecting" | "connected" | "closed";

/** Options of {@link DtlsConnection}. */
export interface DtlsConnectionOptions extends DtlsOptions {
  /** `client` starts the handshake; `server` answers it. */
  role: "client" | "server";
  /** Close the transport when the connection closes. Default true. */
  ownsTransport?: boolean;
  /**
   * Server: the HelloVerifyRequest cookie exchange (RFC 6347 §4.2.1). `true`
   * (default) uses a fresh {@link CookieAuthority}; pass one to share it; `false`
   * skips the exchange (for a transport whose peer is already verified, as ICE does).
   */
  helloVerify?: boolean | CookieAuthority;
  /** The peer's address as `ip:port`, which cookies are bound to. */
  remoteId?: string;
  /** Aborting closes the connection. */
  signal?: AbortSignal;
  /** @internal An object kept alive as long as the connection (a socket owner). */
  retain?: object;
}

/** Events of a {@link DtlsConnection}. */
export interface DtlsConnectionEvents {
  /** The handshake finished. */
  connected: [];
  /** One application datagram from the peer (message boundaries kept). */
  message: [data: Uint8Array];
  /** The connection closed; `error` tells why when it was not a normal close. */
  close: [error: DtlsError | undefined];
}

/** Counters of a connection. */
export interface DtlsConnectionStats {
  datagramsIn: number;
  datagramsOut: number;
  /** Datagrams or records that did not parse (dropped). */
  malformed: number;
  /** Records that failed authentication (dropped silently). */
  authFailures: number;
  /** Records dropped by the anti-replay window. */
  replays: number;
  /** Handshake flights sent again. */
  retransmissions: number;
}
