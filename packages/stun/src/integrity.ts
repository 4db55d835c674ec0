import { createHmac } from "node:crypto";
import { FINGERPRINT_XOR, HEADER_LENGTH } from "./constants.js";
import type { StunKey } from "./credentials.js";
import { crc32Stun } from "./crypto/crc32.js";

// What encoding appends last and decoding checks: shared so that the builder
// and the message compute FINGERPRINT and MESSAGE-INTEGRITY-SHA256 alike.

/** HMAC-SHA256 of `data[0..end)` with the length field replaced (node:crypto). */
export function hmacSha256Stun(key: StunKey, data: Uint8Array, end: number, lengthField: number): Uint8Array {
  const header = new Uint8Array(4);
  header[0] = data[0]!;
  header[1] = data[1]!;
  header[2] = lengthField >>> 8;
  header[3] = lengthField & 0xff;
  return createHmac("sha256", key.bytes).update(header).update(data.subarray(4, end)).digest();
}

/**
 * The FINGERPRINT value for the attribute whose 4-byte value starts at
 * `valueOffset`: CRC-32 of everything before its header, with the length
 * field counting up to its end, XOR 0x5354554E (RFC 8489 §14.7).
 */
export function fingerprintValue(bytes: Uint8Array, valueOffset: number): number {
  return (crc32Stun(bytes, valueOffset - 4, valueOffset + 4 - HEADER_LENGTH) ^ FINGERPRINT_XOR) >>> 0;
}
