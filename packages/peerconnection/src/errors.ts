/**
 * Codes of {@link SdpError}.
 * - `ERR_SDP_TOO_LARGE`: the description exceeds the size or count bounds
 *   (256 KiB, 4096 lines, 256 media sections): parsing never allocates without bound.
 * - `ERR_SDP_SYNTAX`: a line is not `<letter>=<value>` (RFC 8866 §5).
 * - `ERR_SDP_ORDER`: a required session line is missing or out of place
 *   (v=, o=, s=, t= in this order, RFC 8866 §5).
 * - `ERR_SDP_VERSION`: `v=` is not 0 (RFC 8866 §5.1).
 * - `ERR_SDP_ORIGIN`: a malformed `o=` line (RFC 8866 §5.2).
 * - `ERR_SDP_CONNECTION`: a malformed `c=` line (RFC 8866 §5.7).
 * - `ERR_SDP_MEDIA`: a malformed `m=` line (RFC 8866 §5.14).
 * - `ERR_SDP_ATTRIBUTE`: a known attribute with a malformed value (the
 *   attribute's RFC named in the message).
 */
export type SdpErrorCode =
  | "ERR_SDP_TOO_LARGE"
  | "ERR_SDP_SYNTAX"
  | "ERR_SDP_ORDER"
  | "ERR_SDP_VERSION"
  | "ERR_SDP_ORIGIN"
  | "ERR_SDP_CONNECTION"
  | "ERR_SDP_MEDIA"
  | "ERR_SDP_ATTRIBUTE";

/** The one error the SDP parser throws. `line` is 1-based when known. */
export class SdpError extends Error {
  override readonly name = "SdpError";
  constructor(
    readonly code: SdpErrorCode,
    message: string,
    readonly line?: number,
    options?: { cause?: unknown },
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`, options);
  }
}

/**
 * Codes of {@link PeerConnectionError}; each mirrors the DOMException name
 * a browser's RTCPeerConnection throws in the same case.
 * - `ERR_INVALID_STATE` (InvalidStateError): the call is not allowed in the
 *   current signaling state, or the connection is closed.
 * - `ERR_INVALID_MODIFICATION` (InvalidModificationError): a description
 *   that does not match what was offered or answered.
 * - `ERR_INVALID_SDP` (a rejected description): the SDP does not parse or
 *   lacks what WebRTC needs (ICE credentials, a fingerprint, a=setup).
 * - `ERR_OPERATION` (OperationError): the transport could not do it
 *   (gathering failed, a candidate could not be added).
 * - `ERR_FINGERPRINT`: the peer's DTLS certificate does not match its
 *   `a=fingerprint` (RFC 8122 §5).
 * - `ERR_CLOSED`: the operation was pending when close() was called.
 * - `ERR_INVALID_ACCESS` (InvalidAccessError): a configuration the browser
 *   also refuses, e.g. a `turn:` server without username or credential.
 * - `ERR_DCEP`: a malformed data-channel establishment message (RFC 8832);
 *   the receiver drops it and counts it.
 * - `ERR_DATA_CHANNEL`: a data channel failed (the `error` event's error, with
 *   an `errorDetail` of "data-channel-failure" or "sctp-failure", as RTCError).
 */
export type PeerConnectionErrorCode =
  | "ERR_INVALID_STATE"
  | "ERR_INVALID_MODIFICATION"
  | "ERR_INVALID_SDP"
  | "ERR_OPERATION"
  | "ERR_FINGERPRINT"
  | "ERR_CLOSED"
  | "ERR_INVALID_ACCESS"
  | "ERR_DCEP"
  | "ERR_DATA_CHANNEL";

/** The error every PeerConnection operation rejects with. */
export class PeerConnectionError extends Error {
  override readonly name = "PeerConnectionError";
  constructor(
    readonly code: PeerConnectionErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
