/** CRC-32 (ISO 3309, as FINGERPRINT uses it), table-driven. */
const TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[n] = c;
}

/**
 * CRC-32 of `data[0..end)` with bytes 2–3 (the STUN length field) replaced
 * by `lengthField`, as RFC 8489 §14.7 computes FINGERPRINT. Unsigned result.
 */
export function crc32Stun(data: Uint8Array, end: number, lengthField: number): number {
  let c = -1;
  c = TABLE[(c ^ data[0]!) & 0xff]! ^ (c >>> 8);
  c = TABLE[(c ^ data[1]!) & 0xff]! ^ (c >>> 8);
  c = TABLE[(c ^ (lengthField >>> 8)) & 0xff]! ^ (c >>> 8);
  c = TABLE[(c ^ (lengthField & 0xff)) & 0xff]! ^ (c >>> 8);
  for (let i = 4; i < end; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** Plain CRC-32 of `data` (unsigned). */
export function crc32(data: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
