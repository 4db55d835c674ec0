/**
 * Codes of {@link StunError}.
 *
 * Codec (wire data):
 * - `ERR_TOO_SHORT`: fewer than 20 bytes, or a length field that overruns the data.
 * - `ERR_NOT_STUN`: the two most significant bits are not zero (RFC 8489 §5).
 * - `ERR_BAD_MAGIC_COOKIE`: the magic cookie is not 0x2112A442 (RFC 8489 §5).
 * - `ERR_BAD_LENGTH`: the message length is not a multiple of 4, or does not match the data.
 * - `ERR_ATTRIBUTE_OVERRUN`: an attribute (with its padding) runs past the end of the message (RFC 8489 §14).
 * - `ERR_BAD_ATTRIBUTE`: an attribute's value is malformed for its type.
 * - `ERR_FINGERPRINT_NOT_LAST`: an attribute follows FINGERPRINT (RFC 8489 §14.7).
 *
 * Validation and encoding:
 * - `ERR_INTEGRITY`: MESSAGE-INTEGRITY(-SHA256) is missing or does not match the key.
 * - `ERR_FINGERPRINT`: FINGERPRINT is missing or does not match.
 * - `ERR_UNKNOWN_ATTRIBUTES`: comprehension-required attributes that are not understood (RFC 8489 §6.3.1).
 * - `ERR_INVALID_ARGUMENT`: a value given to the encoder or an API is out of range.
 *
 * Transactions:
 * - `ERR_TIMEOUT`: no response after the last retransmission (RFC 8489 §6.2.1).
 * - `ERR_ABORTED`: the caller's AbortSignal aborted.
 * - `ERR_CLOSED`: the owner (client, manager, server) was closed.
 * - `ERR_ERROR_RESPONSE`: the server answered with an error response (see {@link StunError.response}).
 */
export type StunErrorCode =
  | "ERR_TOO_SHORT"
  | "ERR_NOT_STUN"
  | "ERR_BAD_MAGIC_COOKIE"
  | "ERR_BAD_LENGTH"
  | "ERR_ATTRIBUTE_OVERRUN"
  | "ERR_BAD_ATTRIBUTE"
  | "ERR_FINGERPRINT_NOT_LAST"
  | "ERR_INTEGRITY"
  | "ERR_FINGERPRINT"
  | "ERR_UNKNOWN_ATTRIBUTES"
  | "ERR_INVALID_ARGUMENT"
  | "ERR_TIMEOUT"
  | "ERR_ABORTED"
  | "ERR_CLOSED"
  | "ERR_ERROR_RESPONSE";

/**
 * The one error type of @purertc/stun. Parsers of wire data throw nothing
 * else; `code` tells what went wrong (see {@link StunErrorCode}).
 */
export class StunError extends Error {
  override readonly name = "StunError";
  /**
   * @param code - what went wrong
   * @param message - human-readable detail, with the RFC section where one applies
   * @param options - `cause`, and for `ERR_ERROR_RESPONSE` the decoded `response`
   */
  constructor(
    readonly code: StunErrorCode,
    message: string,
    options?: { cause?: unknown; response?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.response !== undefined) this.response = options.response;
  }

  /**
   * For `ERR_ERROR_RESPONSE`: the error response (a `StunMessage`), whose
   * `errorCode` says why (for example 401 with REALM and NONCE).
   */
  response?: unknown;
}
