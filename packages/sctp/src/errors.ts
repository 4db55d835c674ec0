/**
 * Codes of {@link SctpError}.
 *
 * Codec (wire data):
 * - `ERR_TOO_SHORT`: fewer than 12 bytes, or a chunk/parameter shorter than its header.
 * - `ERR_BAD_CHECKSUM`: the CRC32c does not match (RFC 9260 §6.8), and zero checksum was not agreed (RFC 9653).
 * - `ERR_BAD_LENGTH`: a chunk or parameter length field lies (overruns the packet, or is below its minimum).
 * - `ERR_BAD_CHUNK`: a chunk's value is malformed for its type (RFC 9260 §3.3).
 * - `ERR_BAD_PARAMETER`: a parameter's value is malformed for its type (RFC 9260 §3.3.2, RFC 6525 §4).
 * - `ERR_UNRECOGNIZED_CHUNK`: a chunk type we do not know whose upper bits say "stop processing" (RFC 9260 §3.2).
 *
 * Association:
 * - `ERR_INVALID_ARGUMENT`: a value given to the API is out of range (stream id, options).
 * - `ERR_MESSAGE_TOO_BIG`: `send()` of more than the maximum message size.
 * - `ERR_INVALID_STATE`: the call is not allowed in this state (send before open or after shutdown).
 * - `ERR_BUFFER_FULL`: the send queue would pass its bound.
 * - `ERR_BAD_COOKIE`: a COOKIE-ECHO whose HMAC does not verify, or for another association (RFC 9260 §5.1.5).
 * - `ERR_STALE_COOKIE`: a COOKIE-ECHO whose cookie is older than its lifespan (RFC 9260 §5.1.5, §3.3.10.3).
 * - `ERR_TOO_MANY_RETRANSMISSIONS`: Association.Max.Retrans or Max.Init.Retransmits passed (RFC 9260 §8.1, §5.1).
 * - `ERR_ABORTED_BY_PEER`: the peer sent ABORT (RFC 9260 §9.1).
 * - `ERR_ABORTED`: we aborted (abort(), close(), or the caller's AbortSignal).
 * - `ERR_PROTOCOL_VIOLATION`: the peer broke the protocol badly enough to end the association.
 * - `ERR_CLOSED`: the association is closed.
 */
export type SctpErrorCode =
  | "ERR_TOO_SHORT"
  | "ERR_BAD_CHECKSUM"
  | "ERR_BAD_LENGTH"
  | "ERR_BAD_CHUNK"
  | "ERR_BAD_PARAMETER"
  | "ERR_UNRECOGNIZED_CHUNK"
  | "ERR_INVALID_ARGUMENT"
  | "ERR_MESSAGE_TOO_BIG"
  | "ERR_INVALID_STATE"
  | "ERR_BUFFER_FULL"
  | "ERR_BAD_COOKIE"
  | "ERR_STALE_COOKIE"
  | "ERR_TOO_MANY_RETRANSMISSIONS"
  | "ERR_ABORTED_BY_PEER"
  | "ERR_ABORTED"
  | "ERR_PROTOCOL_VIOLATION"
  | "ERR_CLOSED";

/**
 * The one error type of @purertc/sctp. Parsers of wire data throw nothing
 * else; `code` tells what went wrong (see {@link SctpErrorCode}).
 */
export class SctpError extends Error {
  override readonly name = "SctpError";
  /**
   * @param code - what went wrong
   * @param message - human-readable detail, with the RFC section where one applies
   * @param options - `cause`
   */
  constructor(
    readonly code: SctpErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}
