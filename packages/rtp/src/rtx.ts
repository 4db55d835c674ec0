import { RtpError } from "./errors.js";
import { type RtpPacket, serializeRtpPacket } from "./packet.js";

/** The RTX stream a retransmission goes on (RFC 4588 §4: its own SSRC, payload type and sequence numbers). */
export interface RtxStream {
  readonly ssrc: number;
  readonly payloadType: number;
  readonly sequenceNumber: number;
}

/**
 * Wraps an original packet for the RTX stream (RFC 4588 §4): the original sequence number (OSN) ahead of the
 * payload, the RTX stream's SSRC, payload type and sequence number; timestamp, marker, CSRCs and header
 * extensions kept.
 */
export function wrapRtx(original: RtpPacket, rtx: RtxStream): Uint8Array {
  const payload = new Uint8Array(2 + original.payload.length);
  payload[0] = original.sequenceNumber >>> 8;
  payload[1] = original.sequenceNumber & 0xff;
  payload.set(original.payload, 2);
  return serializeRtpPacket({
    marker: original.marker,
    payloadType: rtx.payloadType,
    sequenceNumber: rtx.sequenceNumber,
    timestamp: original.timestamp,
    ssrc: rtx.ssrc,
    csrcs: original.csrcs,
    extension: original.extension,
    payload,
  });
}

/**
 * Restores the original packet from an RTX packet (RFC 4588 §4), as a view: its sequence number from the OSN,
 * the media SSRC and payload type given. Returns undefined for a padding-only RTX packet (bandwidth probe).
 * @throws RtpError `ERR_BAD_PAYLOAD` for an RTX payload of one byte (an OSN needs two)
 */
export function unwrapRtx(
  rtx: RtpPacket,
  media: { ssrc: number; payloadType: number },
): RtpPacket | undefined {
  if (rtx.payload.length === 0) return undefined;
  if (rtx.payload.length < 2)
    throw new RtpError("ERR_BAD_PAYLOAD", "RTX payload without its 2-byte OSN (RFC 4588 §4)");
  return {
    marker: rtx.marker,
    payloadType: media.payloadType,
    sequenceNumber: (rtx.payload[0]! << 8) | rtx.payload[1]!,
    timestamp: rtx.timestamp,
    ssrc: media.ssrc,
    csrcs: rtx.csrcs,
    extension: rtx.extension,
    payload: rtx.payload.subarray(2),
    paddingLength: 0,
  };
}
