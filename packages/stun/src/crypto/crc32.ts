import { crc32 as zlibCrc32 } from "node:zlib";

const lengthBytes = new Uint8Array(2);

/**
 * CRC-32 (ISO 3309, as FINGERPRINT uses it) of `data[0..end)` with bytes 2–3
 * (the STUN length field) replaced by `lengthField`, as RFC 8489 §14.7
 * computes FINGERPRINT. Runs on `node:zlib`'s native CRC-32, chained over the
 * three pieces so the message is never copied. Unsigned result.
 */
export function crc32Stun(data: Uint8Array, end: number, lengthField: number): number {
  // FINGERPRINT is the last attribute, so the header usually already holds
  // the length it is computed with: one native call over the bytes as they are.
  if (data[2] === lengthField >>> 8 && data[3] === (lengthField & 0xff))
    return zlibCrc32(data.subarray(0, end));
  lengthBytes[0] = lengthField >>> 8;
  lengthBytes[1] = lengthField & 0xff;
  let c = zlibCrc32(data.subarray(0, 2));
  c = zlibCrc32(lengthBytes, c);
  return zlibCrc32(data.subarray(4, end), c);
}

/** Plain CRC-32 of `data` (unsigned). */
export function crc32(data: Uint8Array): number {
  return zlibCrc32(data);
}
