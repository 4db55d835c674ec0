import { StunError } from "@purertc/stun";

/**
 * Codes of {@link TurnError}.
 *
 * ChannelData framing (wire data, RFC 8656 §12.4):
 * - `ERR_CHANNEL_DATA_TOO_SHORT`: fewer than 4 bytes, or a length field that runs past the datagram.
 * - `ERR_NOT_CHANNEL_DATA`: the first two bits are not 0b01 (RFC 8656 §12.4, RFC 7983 demultiplexing).
 * - `ERR_BAD_CHANNEL_NUMBER`: a channel number outside 0x4000–0x4FFF (RFC 8656 §12).
 * - `ERR_CHANNEL_DATA_TOO_LONG`: application data over 65535 bytes cannot be framed.
 *
 * Allocation:
 * - `ERR_AUTH`: the server refused the credentials (401 after a retry with them, RFC 8489 §9.2.5).
 * - `ERR_ALLOCATE`: the server answered Allocate with another error (see `status`).
 * - `ERR_REQUEST`: a Refresh, CreatePermission or ChannelBind got an error response (see `status`).
 * - `ERR_TIMEOUT`: the server did not answer a request after all retransmissions.
 * - `ERR_CONNECT`: the TCP connection or the TLS session to the server could not be set up (refused, bad certificate).
 * - `ERR_STATE`: an operation the allocation's state does not allow (for example `sendTo` before it is allocated).
 * - `ERR_CLOSED`: the allocation was closed while the operation was pending, or is closed.
 * - `ERR_ABORTED`: the caller's AbortSignal aborted.
 * - `ERR_NO_CHANNEL`: all 4096 channel numbers are in use.
 * - `ERR_INVALID_ARGUMENT`: a bad address, port or option given to the API.
 * - `ERR_PROTOCOL`: a success response that lacks what RFC 8656 requires (for example XOR-RELAYED-ADDRESS).
 */
export type TurnErrorCode =
  | "ERR_CHANNEL_DATA_TOO_SHORT"
  | "ERR_NOT_CHANNEL_DATA"
  | "ERR_BAD_CHANNEL_NUMBER"
  | "ERR_CHANNEL_DATA_TOO_LONG"
  | "ERR_AUTH"
  | "ERR_ALLOCATE"
  | "ERR_REQUEST"
  | "ERR_TIMEOUT"
  | "ERR_CONNECT"
  | "ERR_STATE"
  | "ERR_CLOSED"
  | "ERR_ABORTED"
  | "ERR_NO_CHANNEL"
  | "ERR_INVALID_ARGUMENT"
  | "ERR_PROTOCOL";

/**
 * The one error class of @purertc/turn. The ChannelData parser throws only
 * this; `code` says what went wrong (see {@link TurnErrorCode}), and for
 * error responses `status` holds the STUN error code (401, 403, 437, 438, 486, …).
 */
export class TurnError extends Error {
  override readonly name = "TurnError";
  /** STUN error code of the server's error response, when there was one. */
  readonly status: number | undefined;
  /**
   * @param code - what went wrong
   * @param message - detail, with the RFC section where one applies
   * @param options - `cause`, and `status` for error responses
   */
  constructor(
    readonly code: TurnErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = options?.status;
  }
}

/** Maps errors of the layers below to TurnError. */
export function toTurnError(error: unknown, fallback: "ERR_ALLOCATE" | "ERR_REQUEST"): TurnError {
  if (error instanceof TurnError) return error;
  if (error instanceof StunError) {
    switch (error.code) {
      case "ERR_TIMEOUT":
        return new TurnError("ERR_TIMEOUT", `the TURN server did not answer: ${error.message}`, {
          cause: error,
        });
      case "ERR_ABORTED":
      case "ERR_CLOSED":
        return new TurnError("ERR_CLOSED", "the TURN client was closed", { cause: error });
      default:
        return new TurnError(fallback, error.message, { cause: error });
    }
  }
  const code = (error as { code?: string }).code;
  if (code === "ERR_ABORTED" || code === "ERR_SOCKET_CLOSED" || code === "ERR_REGISTRY_CLOSED") {
    return new TurnError("ERR_CLOSED", "the TURN client was closed", { cause: error });
  }
  return new TurnError(fallback, (error as Error)?.message ?? String(error), { cause: error });
}
