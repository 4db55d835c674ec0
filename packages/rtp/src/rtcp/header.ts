import { RtpError } from "../errors.js";

/** RTCP packet types (RFC 3550 §12.1, RFC 4585 §6.1, RFC 3611). */
export const RtcpPacketType = {
  SenderReport: 200,
  ReceiverReport: 201,
  SourceDescription: 202,
  Goodbye: 203,
  ApplicationDefined: 204,
  /** Transport-layer feedback (RFC 4585 §6.2): generic NACK is FMT 1. */
  TransportFeedback: 205,
  /** Payload-specific feedback (RFC 4585 §6.3): PLI is FMT 1, FIR is FMT 4 (RFC 5104 §4.3.1). */
  PayloadFeedback: 206,
  ExtendedReport: 207,
} as const;

/**
 * Writes the 4-byte common header of an RTCP packet of `length` bytes (a multiple of 4) at `offset`:
 * version 2, no padding, the 5-bit count (or FMT) and the packet type (RFC 3550 §6.4.1).
 */
export function writeRtcpHeader(
  out: Uint8Array,
  offset: number,
  count: number,
  type: number,
  length: number,
): void {
  if (count > 31) throw new RtpError("ERR_INVALID_ARGUMENT", `RTCP count ${count} > 31 (RFC 3550 §6.4.1)`);
  const words = length / 4 - 1;
  if (!Number.isInteger(words) || words > 0xffff)
    throw new RtpError("ERR_INVALID_ARGUMENT", `RTCP packet of ${length} bytes (RFC 3550 §6.4.1)`);
  out[offset] = 0x80 | count;
  out[offset + 1] = type;
  out[offset + 2] = words >>> 8;
  out[offset + 3] = words & 0xff;
}

/** Throws ERR_BAD_RTCP with the section where the rule is. */
export function badRtcp(message: string): never {
  throw new RtpError("ERR_BAD_RTCP", message);
}

/** Checks a value for a 32-bit unsigned field of a serializer. */
export function checkU32(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
    throw new RtpError("ERR_INVALID_ARGUMENT", `${what} ${value} out of range`);
}
