/**
 * Codes of {@link RtspError}.
 *
 * Wire data (the RTSP response / interleaved-frame parser, the SDP of DESCRIBE):
 * - `ERR_BAD_START_LINE`: the status line (or a server's request line) is not `RTSP/x.y NNN reason` (RFC 2326 §7.1).
 * - `ERR_BAD_HEADER`: a header line has no colon, a bad name, or is folded where it cannot be.
 * - `ERR_HEADER_TOO_LARGE`: the start line and headers exceed the configured bound, or too many header lines.
 * - `ERR_BAD_CONTENT_LENGTH`: Content-Length is not a decimal number, or is repeated with different values.
 * - `ERR_BODY_TOO_LARGE`: Content-Length exceeds the configured body bound.
 * - `ERR_BAD_FRAME`: the byte stream is neither an RTSP message nor a `$` interleaved frame (RFC 2326 §10.12).
 * - `ERR_BAD_SDP`: the session description of DESCRIBE is malformed or lacks what RTSP needs (RFC 8866, RFC 2326 C.1).
 * - `ERR_BAD_HEADER_VALUE`: a header RTSP depends on (Transport, Session, WWW-Authenticate, CSeq) is malformed.
 *
 * Session:
 * - `ERR_BAD_URL`: the URL is not an `rtsp://` URL with a host.
 * - `ERR_UNAUTHORIZED`: the camera refused the credentials (401 after authenticating, or none given) (RFC 2326 §11.4.1).
 * - `ERR_STATUS`: the camera answered a request with another non-2xx status (see {@link RtspError.status}).
 * - `ERR_NO_MEDIA`: DESCRIBE announced no media stream the client can set up.
 * - `ERR_TIMEOUT`: no response to a request, or no media from a playing camera, within the bound.
 * - `ERR_CONNECTION`: the TCP connection failed or the camera closed it.
 * - `ERR_CLOSED`: the client was closed while the operation was pending.
 * - `ERR_INVALID_ARGUMENT`: an option or argument is out of range.
 *
 * WHEP endpoint (draft-ietf-wish-whep, on RFC 9725's model), thrown by session factories:
 * - `ERR_BAD_OFFER`: the offer (or a PATCH fragment) is not valid SDP: the endpoint answers 400.
 * - `ERR_UNSUPPORTED_OFFER`: a valid offer the endpoint cannot serve (no media it can send): 406.
 */
export type RtspErrorCode =
  | "ERR_BAD_START_LINE"
  | "ERR_BAD_HEADER"
  | "ERR_HEADER_TOO_LARGE"
  | "ERR_BAD_CONTENT_LENGTH"
  | "ERR_BODY_TOO_LARGE"
  | "ERR_BAD_FRAME"
  | "ERR_BAD_SDP"
  | "ERR_BAD_HEADER_VALUE"
  | "ERR_BAD_URL"
  | "ERR_UNAUTHORIZED"
  | "ERR_STATUS"
  | "ERR_NO_MEDIA"
  | "ERR_TIMEOUT"
  | "ERR_CONNECTION"
  | "ERR_CLOSED"
  | "ERR_INVALID_ARGUMENT"
  | "ERR_BAD_OFFER"
  | "ERR_UNSUPPORTED_OFFER";

/**
 * The one error type of @purertc/rtsp-to-whep. Parsers of wire data throw
 * nothing else; `code` tells what went wrong (see {@link RtspErrorCode}).
 */
export class RtspError extends Error {
  override readonly name = "RtspError";
  /** With `ERR_STATUS` / `ERR_UNAUTHORIZED`: the status code the camera answered. */
  readonly status: number | undefined;

  /**
   * @param code - what went wrong
   * @param message - human-readable detail, with the RFC section where one applies
   * @param options - `cause`, and the response `status` where there is one
   */
  constructor(
    readonly code: RtspErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = options?.status;
  }
}
