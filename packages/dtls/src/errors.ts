import type { AlertDescription } from "./alert-codes.js";

/**
 * Codes of {@link DtlsError}.
 *
 * - `ERR_DTLS_TRUNCATED`: wire data ends before its length fields say it does.
 * - `ERR_DTLS_MALFORMED`: wire data violates the format (bad length, duplicate extension, …).
 * - `ERR_DTLS_UNSUPPORTED`: a version, cipher suite, group or scheme this stack does not speak.
 * - `ERR_DTLS_NO_SHARED_PARAMS`: the peers share no cipher suite, group, scheme or required extension.
 * - `ERR_DTLS_BAD_CERTIFICATE`: the peer certificate is missing, unparsable or does not match the expected fingerprint.
 * - `ERR_DTLS_BAD_SIGNATURE`: a ServerKeyExchange or CertificateVerify signature does not verify.
 * - `ERR_DTLS_BAD_FINISHED`: the peer's Finished verify_data is wrong.
 * - `ERR_DTLS_BAD_RECORD_MAC`: a record failed AEAD authentication.
 * - `ERR_DTLS_BAD_COOKIE`: a ClientHello cookie is not one this server made.
 * - `ERR_DTLS_UNEXPECTED_MESSAGE`: a message that is not allowed in the current state.
 * - `ERR_DTLS_TOO_LARGE`: a message or datagram larger than the configured bounds.
 * - `ERR_DTLS_TIMEOUT`: the handshake did not finish within its total timeout, or a connected
 *   peer sent nothing for `idleTimeoutMs`.
 * - `ERR_DTLS_ALERT`: the peer sent a fatal alert (see {@link DtlsError.alert}).
 * - `ERR_DTLS_CLOSED`: the connection was closed (by close(), close_notify or its signal).
 * - `ERR_DTLS_TRANSPORT_CLOSED`: the datagram transport closed underneath.
 * - `ERR_DTLS_STATE`: an API call not allowed in the current state (send before connected).
 * - `ERR_DTLS_CONFIG`: invalid options.
 * - `ERR_DTLS_RENEGOTIATION`: the peer tried to renegotiate (refused).
 */
export type DtlsErrorCode =
  | "ERR_DTLS_TRUNCATED"
  | "ERR_DTLS_MALFORMED"
  | "ERR_DTLS_UNSUPPORTED"
  | "ERR_DTLS_NO_SHARED_PARAMS"
  | "ERR_DTLS_BAD_CERTIFICATE"
  | "ERR_DTLS_BAD_SIGNATURE"
  | "ERR_DTLS_BAD_FINISHED"
  | "ERR_DTLS_BAD_RECORD_MAC"
  | "ERR_DTLS_BAD_COOKIE"
  | "ERR_DTLS_UNEXPECTED_MESSAGE"
  | "ERR_DTLS_TOO_LARGE"
  | "ERR_DTLS_TIMEOUT"
  | "ERR_DTLS_ALERT"
  | "ERR_DTLS_CLOSED"
  | "ERR_DTLS_TRANSPORT_CLOSED"
  | "ERR_DTLS_STATE"
  | "ERR_DTLS_CONFIG"
  | "ERR_DTLS_RENEGOTIATION";

/** Options of {@link DtlsError}. */
export interface DtlsErrorOptions {
  cause?: unknown;
  /** The alert this error maps to when sent to the peer (or that the peer sent). */
  alert?: AlertDescription;
}

/** The one error type of @purertc/dtls. Parsers of wire data throw only this. */
export class DtlsError extends Error {
  override readonly name = "DtlsError";
  /** The TLS alert description that goes with this error, if any. */
  readonly alert: AlertDescription | undefined;
  constructor(
    readonly code: DtlsErrorCode,
    message: string,
    options: DtlsErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.alert = options.alert;
  }
}
