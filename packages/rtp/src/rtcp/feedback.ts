import { readU32, writeU32 } from "../bytes.js";
import { badRtcp, checkU32, writeRtcpHeader } from "./header.js";

/** Reads the sender and media SSRCs of a feedback message (RFC 4585 §6.1) and returns them with the FCI. */
export function readFeedbackHeader(
  b: Uint8Array,
  what: string,
): { senderSsrc: number; mediaSsrc: number; fci: Uint8Array } {
  if (b.length < 12) badRtcp(`${what} shorter than 12 bytes (RFC 4585 §6.1)`);
  return { senderSsrc: readU32(b, 4), mediaSsrc: readU32(b, 8), fci: b.subarray(12) };
}

/** Writes the common header and the two SSRCs of a feedback message of `length` bytes. */
export function writeFeedbackHeader(
  out: Uint8Array,
  offset: number,
  fmt: number,
  type: number,
  length: number,
  senderSsrc: number,
  mediaSsrc: number,
): void {
  checkU32(senderSsrc, "sender SSRC");
  checkU32(mediaSsrc, "media SSRC");
  writeRtcpHeader(out, offset, fmt, type, length);
  writeU32(out, offset + 4, senderSsrc);
  writeU32(out, offset + 8, mediaSsrc);
}
