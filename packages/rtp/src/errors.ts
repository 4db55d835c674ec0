/**
 * Codes of {@link RtpError}.
 *
 * Wire data (RTP, RTCP, payload formats):
 * - `ERR_TOO_SHORT`: fewer bytes than the fixed header, or a length (CSRC count, extension length, RTCP length
 *   field, padding count) that overruns the data.
 * - `ERR_BAD_VERSION`: the version field is not 2 (RFC 3550 §5.1, §6.4.1).
 * - `ERR_BAD_PADDING`: a padding count of zero or one that runs past the payload (RFC 3550 §5.1), or padding on an
 *   RTCP packet that is not the last of its compound packet (RFC 3550 §6.4.1).
 * - `ERR_BAD_EXTENSION`: a header extension element that overruns its block, or an id that is reserved in the
 *   form used (RFC 8285 §4.2–4.3).
 * - `ERR_BAD_RTCP`: an RTCP packet whose body does not match its type (report count, SDES items, FCI length;
 *   RFC 3550 §6, RFC 4585 §6, RFC 5104 §4.3).
 * - `ERR_BAD_PAYLOAD`: an RTP payload that is malformed for its format (RFC 6184, RFC 7741, RFC 7587).
 * - `ERR_UNSUPPORTED`: a well-formed payload structure this package does not handle (H.264 interleaved mode:
 *   STAP-B, MTAP, FU-B).
 * - `ERR_BAD_BITSTREAM`: an H.264 SPS or VP8 key frame header that cannot be parsed (ITU-T H.264 §7.3.2.1, RFC 6386 §9).
 * - `ERR_BAD_SDP`: an fmtp parameter (`sprop-parameter-sets`, `profile-level-id`) that is malformed (RFC 6184 §8.1).
 * - `ERR_FRAME_TOO_LARGE`: a frame being reassembled grew past the configured bound.
 * - `ERR_BAD_CONTAINER`: an IVF or Annex-B file that is malformed.
 *
 * API:
 * - `ERR_INVALID_ARGUMENT`: a value given to a serializer or an API is out of range.
 * - `ERR_CLOSED`: the object was closed.
 */
export type RtpErrorCode =
  | "ERR_TOO_SHORT"
  | "ERR_BAD_VERSION"
  | "ERR_BAD_PADDING"
  | "ERR_BAD_EXTENSION"
  | "ERR_BAD_RTCP"
  | "ERR_BAD_PAYLOAD"
  | "ERR_UNSUPPORTED"
  | "ERR_BAD_BITSTREAM"
  | "ERR_BAD_SDP"
  | "ERR_FRAME_TOO_LARGE"
  | "ERR_BAD_CONTAINER"
  | "ERR_INVALID_ARGUMENT"
  | "ERR_CLOSED";

/**
 * The one error type of @purertc/rtp. Parsers of wire data throw nothing else; `code` tells what went wrong
 * (see {@link RtpErrorCode}).
 */
export class RtpError extends Error {
  override readonly name = "RtpError";
  /**
   * @param code - what went wrong
   * @param message - human-readable detail, with the RFC section where one applies
   * @param options - `cause`
   */
  constructor(
    readonly code: RtpErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}
