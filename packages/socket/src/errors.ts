/** Codes for {@link SocketError}. */
export type SocketErrorCode =
  | "ERR_REGISTRY_CLOSED" // open() on a registry that was closed
  | "ERR_SOCKET_CLOSED" // use of a handle after close()
  | "ERR_BIND" // the OS refused the bind (or, for TCP, the listen)
  | "ERR_CONNECT" // a TCP connect was refused, unreachable or timed out
  | "ERR_ABORTED"; // the open was aborted by its signal

/** The one error type of @purertc/socket. */
export class SocketError extends Error {
  override readonly name = "SocketError";
  constructor(
    readonly code: SocketErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
