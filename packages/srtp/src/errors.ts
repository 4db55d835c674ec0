/**
 * Codes of {@link SrtpError}.
 *
 * Wire data (what `unprotect*` refuses; the packet is dropped and counted):
 * - `ERR_TOO_SHORT`: shorter than the header plus the authentication tag (and SRTCP index).
 * - `ERR_TOO_LONG`: longer than a UDP datagram can be (65,535 bytes), on protect or unprotect.
 * - `ERR_NOT_RTP`: the version field is not 2 (RFC 3550 §5.1, §6.4.1).
 * - `ERR_BAD_HEADER`: the CSRC list or header extension runs past the end of the packet (RFC 3550 §5.3.1).
 * - `ERR_AUTH`: the authentication tag does not match (RFC 3711 §3.3 step 5, RFC 7714 §9.3): tampered,
 *   truncated, or protected with another key.
 * - `ERR_REPLAY`: the packet index was already received or is older than the replay window (RFC 3711 §3.3.2).
 *
 * Use:
 * - `ERR_INDEX_EXHAUSTED`: the rollover counter (2^48 SRTP packets) or the SRTCP index (2^31) would wrap;
 *   RFC 3711 §9.2 requires a new master key.
 * - `ERR_INVALID_ARGUMENT`: a key, salt, profile or option out of range.
 * - `ERR_CLOSED`: the context was closed (its keys are zeroed).
 */
export type SrtpErrorCode =
  | "ERR_TOO_SHORT"
  | "ERR_TOO_LONG"
  | "ERR_NOT_RTP"
  | "ERR_BAD_HEADER"
  | "ERR_AUTH"
  | "ERR_REPLAY"
  | "ERR_INDEX_EXHAUSTED"
  | "ERR_INVALID_ARGUMENT"
  | "ERR_CLOSED";

/**
 * The one error type of @purertc/srtp. `unprotect*` throws nothing else for
 * any input; `code` tells what went wrong (see {@link SrtpErrorCode}).
 */
export class SrtpError extends Error {
  override readonly name = "SrtpError";
  /**
   * @param code - what went wrong
   * @param message - human-readable detail, with the RFC section where one applies
   */
  constructor(
    readonly code: SrtpErrorCode,
    message: string,
  ) {
    super(message);
  }
}
