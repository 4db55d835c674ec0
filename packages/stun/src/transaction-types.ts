import type { StunKey } from "./credentials.js";
import type { StunMessage } from "./message.js";

// What a StunTransactionManager (transaction.ts) takes and reports.

/** Where a datagram goes to or comes from. */
export interface TransportAddress {
  /** IPv4 or IPv6 address in text form. */
  address: string;
  /** UDP port. */
  port: number;
}

/** Retransmission parameters (RFC 8489 §6.2.1). */
export interface RetransmissionOptions {
  /** Initial retransmission timeout in ms. Default 500. */
  rto?: number;
  /** Total number of requests sent (first + retransmissions). Default 7. */
  rc?: number;
  /** After the last request, wait `rm × rto` before giving up. Default 16. */
  rm?: number;
  /** Upper bound of the doubled RTO, in ms. Default: none (as RFC 8489). */
  rtoMax?: number;
}

/** Options of `StunTransactionManager` (transaction.ts). */
export interface TransactionManagerOptions extends RetransmissionOptions {
  /**
   * Sends one datagram. The manager never owns a socket: ICE passes its own
   * socket's send here, a {@link StunClient} passes its registry socket's.
   */
  send: (data: Uint8Array, remote: TransportAddress) => void;
  /** Aborting it closes the manager (its owner's cancellation root). */
  signal?: AbortSignal;
}

/** Options of one request. */
export interface RequestOptions extends RetransmissionOptions {
  /** Aborts this transaction only (rejects with `ERR_ABORTED`). */
  signal?: AbortSignal;
  /** Overall deadline in ms, whatever the retransmission schedule (rejects with `ERR_TIMEOUT`). */
  timeoutMs?: number;
  /**
   * Responses must carry MESSAGE-INTEGRITY(-SHA256) valid under this key;
   * others are discarded as if never received (RFC 8489 §9.1.4, §9.2.5).
   */
  key?: StunKey;
  /** With `key`: still accept error responses that carry no integrity (a TURN 401 or 438). */
  acceptUnauthenticatedErrors?: boolean;
  /** Discard responses without FINGERPRINT (ICE requires it). Default false. */
  requireFingerprint?: boolean;
  /** Reliable transport (TCP/TLS): send once, fail after `rto × 79` ms (Ti, 39.5 s). */
  reliable?: boolean;
}

/** What a completed transaction resolves to. */
export interface TransactionResult {
  /** The success or error response (check `messageClass`). */
  response: StunMessage;
  /** Where the response came from (ICE checks it is symmetric). */
  remote: TransportAddress;
  /** Milliseconds from the first transmission to the response. */
  rttMs: number;
  /** Retransmissions made before the response arrived (0: the RTT is unambiguous). */
  retransmissions: number;
}

/** Counters of a transaction manager; all only grow. */
export interface TransactionStats {
  /** Transactions started. */
  started: number;
  /** Datagrams sent, retransmissions included. */
  sent: number;
  /** Retransmissions sent. */
  retransmissions: number;
  /** Transactions settled by a success response. */
  succeeded: number;
  /** Transactions settled by an error response. */
  errorResponses: number;
  /** Transactions that got no response in time. */
  timedOut: number;
  /** Transactions aborted by their signal or cancel(). */
  aborted: number;
  /** Responses whose transaction id matched nothing pending. */
  unmatched: number;
  /** Datagrams that did not decode as STUN. */
  malformed: number;
  /** Matched responses discarded: bad FINGERPRINT or integrity. */
  rejected: number;
}
