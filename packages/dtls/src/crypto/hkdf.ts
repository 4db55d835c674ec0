import { digest, type HmacHash, HmacKey } from "./hmac.js";

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
    e = digest(h, EMPTY);
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
  return expandKeyed(new HmacKey(h, prk), info, undefined, length);
}

/** HKDF-Expand with the PRK's HMAC key made already, of `info ‖ context` (context: no copy made). */
function expandKeyed(
  key: HmacKey,
  info: Uint8Array,
  context: Uint8Array | undefined,
  length: number,
): Uint8Array {
  // One block (every key, IV and secret of the schedule): T(1) = HMAC(PRK, info ‖ 0x01).
  if (length <= key.digestLength) return key.mac(info, context, 1, length);
  const whole = context ? concatInfo(info, context) : info;
  const out = new Uint8Array(length);
  let t: Uint8Array = EMPTY;
  let o = 0;
  for (let i = 1; o < length; i++) {
    t = key.mac(t, whole, i);
    const n = Math.min(t.length, length - o);
    out.set(n === t.length ? t : t.subarray(0, n), o);
    o += n;
  }
  return out;
}

function concatInfo(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * The HkdfLabel bytes before the context: length(2) ‖ prefix+label (vec8) ‖
 * context length (1), made once per label, prefix, length and context length
 * (the schedule uses a dozen). Looked up by label, then by a number: a string
 * key built per call cost more than the HMAC's own JavaScript.
 */
const labelHeads = new Map<string, Map<number, Uint8Array>>();

function labelHead(prefix: LabelPrefix, label: string, length: number, contextLength: number): Uint8Array {
  let byLabel = labelHeads.get(label);
  if (!byLabel) {
    byLabel = new Map();
    // Bounded: labels come from this package's code, not from the wire (exporter labels from the application).
    if (labelHeads.size < 256) labelHeads.set(label, byLabel);
  }
  const id = (length * 256 + contextLength) * 2 + (prefix === "dtls13" ? 1 : 0);
  let head = byLabel.get(id);
  if (!head) {
    const full = prefix + label;
    head = new Uint8Array(2 + 1 + full.length + 1);
    head[0] = length >>> 8;
    head[1] = length & 0xff;
    head[2] = full.length;
    for (let i = 0; i < full.length; i++) head[3 + i] = full.charCodeAt(i);
    head[3 + full.length] = contextLength;
    if (byLabel.size < 64) byLabel.set(id, head);
  }
  return head;
}

/**
 * HKDF-Expand-Label (RFC 8446 §7.1) with the secret's HMAC key made already:
 * HKDF-Expand(secret, HkdfLabel, length) with HkdfLabel = length(2) ‖
 * prefix+label (vec8) ‖ context (vec8).
 */
export function expandLabel(
  key: HmacKey,
  label: string,
  context: Uint8Array,
  length: number,
  prefix: LabelPrefix = "dtls13",
): Uint8Array {
  const head = labelHead(prefix, label, length, context.length);
  return expandKeyed(key, head, context.length > 0 ? context : undefined, length);
}

/** HKDF-Expand-Label (RFC 8446 §7.1) of a secret given as bytes. */
export function hkdfExpandLabel(
  h: HmacHash,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
  prefix: LabelPrefix = "dtls13",
): Uint8Array {
  return expandLabel(new HmacKey(h, secret), label, context, length, prefix);
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
