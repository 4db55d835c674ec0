import { hash } from "node:crypto";
import { type HmacHash, HmacKey } from "./hmac.js";

/**
 * The label prefix of HKDF-Expand-Label: "tls13 " in TLS 1.3 (RFC 8446 §7.1),
 * "dtls13" in DTLS 1.3 (RFC 9147 §5.9).
 */
export type LabelPrefix = "tls13 " | "dtls13";

const DIGEST: Record<HmacHash, number> = { sha256: 32, sha384: 48 };
const EMPTY = new Uint8Array(0);
const emptyHashes: Partial<Record<HmacHash, Uint8Array>> = {};

/** Digest length of `h` in bytes. */
export function digestLength(h: HmacHash): number {
  return DIGEST[h];
}

/** Hash of the empty string (Derive-Secret's context for "derived"). */
export function emptyHash(h: HmacHash): Uint8Array {
  let e = emptyHashes[h];
  if (!e) {
    e = hash(h, EMPTY, "buffer");
    emptyHashes[h] = e;
  }
  return e;
}

/** HKDF-Extract (RFC 5869 §2.2): HMAC(salt, ikm); an empty salt is HashLen zeros (the same HMAC key). */
export function hkdfExtract(h: HmacHash, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return new HmacKey(h, salt).mac(ikm);
}

/** HKDF-Expand (RFC 5869 §2.3). */
export function hkdfExpand(h: HmacHash, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const key = new HmacKey(h, prk);
  const out = new Uint8Array(length);
  let t: Uint8Array = EMPTY;
  let o = 0;
  for (let i = 1; o < length; i++) {
    const input = new Uint8Array(t.length + info.length + 1);
    input.set(t, 0);
    input.set(info, t.length);
    input[input.length - 1] = i;
    t = key.mac(input);
    const n = Math.min(t.length, length - o);
    out.set(n === t.length ? t : t.subarray(0, n), o);
    o += n;
  }
  return out;
}

/**
 * HKDF-Expand-Label (RFC 8446 §7.1): HKDF-Expand(secret, HkdfLabel, length)
 * with HkdfLabel = length(2) ‖ prefix+label (vec8) ‖ context (vec8).
 */
export function hkdfExpandLabel(
  h: HmacHash,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
  prefix: LabelPrefix = "dtls13",
): Uint8Array {
  const full = prefix + label;
  const info = new Uint8Array(2 + 1 + full.length + 1 + context.length);
  info[0] = length >>> 8;
  info[1] = length & 0xff;
  info[2] = full.length;
  for (let i = 0; i < full.length; i++) info[3 + i] = full.charCodeAt(i);
  info[3 + full.length] = context.length;
  info.set(context, 4 + full.length);
  return hkdfExpand(h, secret, info, length);
}

/** Derive-Secret (RFC 8446 §7.1) given the transcript hash. */
export function deriveSecret(
  h: HmacHash,
  secret: Uint8Array,
  label: string,
  transcriptHash: Uint8Array,
  prefix: LabelPrefix = "dtls13",
): Uint8Array {
  return hkdfExpandLabel(h, secret, label, transcriptHash, DIGEST[h], prefix);
}
