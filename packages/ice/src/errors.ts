/**
 * Codes of {@link IceError}:
 * - `ERR_CANDIDATE_SYNTAX`: a `candidate:` attribute that does not follow RFC 8839 §5.1.
 * - `ERR_CANDIDATE_VALUE`: a field of a candidate out of range (component, priority, port, type).
 * - `ERR_CREDENTIALS`: a ufrag or pwd that is not 4/22–256 ice-chars (RFC 8445 §5.3).
 * - `ERR_OPTIONS`: an agent or {@link UdpMux} option out of its range (consent timing, for example).
 * - `ERR_STATE`: an operation the agent's state does not allow (for example after close()).
 * - `ERR_CLOSED`: the agent was closed while the operation was pending.
 */
export type IceErrorCode =
  | "ERR_CANDIDATE_SYNTAX"
  | "ERR_CANDIDATE_VALUE"
  | "ERR_CREDENTIALS"
  | "ERR_OPTIONS"
  | "ERR_STATE"
  | "ERR_CLOSED";

/** The one error class of @purertc/ice. Parsers of wire data throw only this. */
export class IceError extends Error {
  override readonly name = "IceError";
  constructor(
    readonly code: IceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
