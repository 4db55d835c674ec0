/**
 * Codes of {@link MdnsError}:
 * - `ERR_CLOSED`: the responder or resolver was closed (pending work is settled with this).
 * - `ERR_ABORTED`: the caller's signal aborted the operation.
 * - `ERR_TIMEOUT`: no answer before the resolve timeout.
 * - `ERR_INVALID_NAME`: not a valid `.local` host name (RFC 6762 §3, RFC 1035 §2.3.4 lengths).
 * - `ERR_INVALID_ADDRESS`: not an IPv4 or IPv6 address.
 * - `ERR_DUPLICATE_NAME`: this responder already publishes that name.
 * - `ERR_CONFLICT`: another host claims the name (RFC 6762 §9) and it could not be renamed.
 * - `ERR_MALFORMED`: a packet from the network could not be understood (counted and dropped, never thrown
 *   out of a socket handler).
 * - `ERR_SOCKET`: the multicast socket could not be opened.
 */
export type MdnsErrorCode =
  | "ERR_CLOSED"
  | "ERR_ABORTED"
  | "ERR_TIMEOUT"
  | "ERR_INVALID_NAME"
  | "ERR_INVALID_ADDRESS"
  | "ERR_DUPLICATE_NAME"
  | "ERR_CONFLICT"
  | "ERR_MALFORMED"
  | "ERR_SOCKET";

/** The one error type of @purertc/mdns. */
export class MdnsError extends Error {
  override readonly name = "MdnsError";
  constructor(
    readonly code: MdnsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
