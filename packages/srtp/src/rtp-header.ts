import { SrtpError } from "./errors.js";

// The few RTP/RTCP header fields SRTP needs, read here so that @purertc/srtp
// depends on no RTP package (RFC 3550 §5.1 and §6.4.1).

/**
 * Length of the RTP header (fixed part, CSRC list and header extension) of `packet[0, end)`;
 * throws `ERR_TOO_SHORT`, `ERR_NOT_RTP` or `ERR_BAD_HEADER`.
 */
export function rtpHeaderLength(packet: Uint8Array, end: number): number {
  if (end < 12) throw new SrtpError("ERR_TOO_SHORT", `RTP packet of ${end} bytes, under the 12-byte header`);
  const b0 = packet[0]!;
  if (b0 >>> 6 !== 2) throw new SrtpError("ERR_NOT_RTP", `RTP version ${b0 >>> 6}, not 2 (RFC 3550 §5.1)`);
  let length = 12 + (b0 & 0x0f) * 4;
  if (b0 & 0x10) {
    if (length + 4 > end)
      throw new SrtpError("ERR_BAD_HEADER", "RTP header extension past the end (RFC 3550 §5.3.1)");
    length += 4 + ((packet[length + 2]! << 8) | packet[length + 3]!) * 4;
  }
  if (length > end) throw new SrtpError("ERR_BAD_HEADER", "RTP CSRC list or header extension past the end");
  return length;
}

/** The RTP sequence number (bytes 2–3). */
export function rtpSequenceNumber(packet: Uint8Array): number {
  return (packet[2]! << 8) | packet[3]!;
}

/** The big-endian 32-bit word at `offset`, unsigned. */
export function readU32(packet: Uint8Array, offset: number): number {
  return (
    ((packet[offset]! << 24) |
      (packet[offset + 1]! << 16) |
      (packet[offset + 2]! << 8) |
      packet[offset + 3]!) >>>
    0
  );
}

/** Writes a big-endian 32-bit word at `offset`. */
export function writeU32(packet: Uint8Array, offset: number, value: number): void {
  packet[offset] = value >>> 24;
  packet[offset + 1] = value >>> 16;
  packet[offset + 2] = value >>> 8;
  packet[offset + 3] = value;
}

/** Checks the first RTCP header of `packet[0, end)` (8 bytes, version 2); throws `ERR_TOO_SHORT` or `ERR_NOT_RTP`. */
export function checkRtcpHeader(packet: Uint8Array, end: number): void {
  if (end < 8) throw new SrtpError("ERR_TOO_SHORT", `RTCP packet of ${end} bytes, under the 8-byte header`);
  if (packet[0]! >>> 6 !== 2) {
    throw new SrtpError("ERR_NOT_RTP", `RTCP version ${packet[0]! >>> 6}, not 2 (RFC 3550 §6.4.1)`);
  }
}
