import { concat } from "../bytes.js";
import { HmacKey } from "./hmac.js";

/** Hash of a cipher suite's PRF. */
export type PrfHash = "sha256" | "sha384";

/** P_hash of RFC 5246 §5: HMAC-based expansion of `secret` and `seed` to `length` bytes. */
export function pHash(hash: PrfHash, secret: Uint8Array, seed: Uint8Array, length: number): Uint8Array {
  const key = new HmacKey(hash, secret);
  const out = new Uint8Array(length);
  let a: Uint8Array = seed;
  let o = 0;
  while (o < length) {
    a = key.mac(a);
    const block = key.mac(a, seed);
    out.set(block.length <= length - o ? block : block.subarray(0, length - o), o);
    o += block.length;
  }
  return out;
}

/** The TLS 1.2 PRF: P_hash(secret, label ‖ seed). */
export function prf(
  hash: PrfHash,
  secret: Uint8Array,
  label: string,
  seed: Uint8Array,
  length: number,
): Uint8Array {
  // Labels are ASCII (RFC 5246 §5, RFC 5705 §4): written as latin1, no TextEncoder copy.
  const labelSeed = Buffer.allocUnsafe(label.length + seed.length);
  labelSeed.write(label, 0, "latin1");
  labelSeed.set(seed, label.length);
  return pHash(hash, secret, labelSeed, length);
}

/**
 * The master secret: with extended_master_secret (RFC 7627 §4) from the
 * session hash, otherwise from the two randoms (RFC 5246 §8.1).
 */
export function masterSecret(
  hash: PrfHash,
  preMaster: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  sessionHash: Uint8Array | undefined,
): Uint8Array {
  if (sessionHash) return prf(hash, preMaster, "extended master secret", sessionHash, 48);
  return prf(hash, preMaster, "master secret", concat(clientRandom, serverRandom), 48);
}

/** Finished verify_data (RFC 5246 §7.4.9), 12 bytes. */
export function verifyData(
  hash: PrfHash,
  master: Uint8Array,
  role: "client" | "server",
  transcriptHash: Uint8Array,
): Uint8Array {
  return prf(hash, master, `${role} finished`, transcriptHash, 12);
}

/**
 * Keying-material exporter of RFC 5705 §4: PRF(master, label,
 * client_random ‖ server_random [‖ context_length ‖ context]).
 */
export function exportKeyingMaterial(
  hash: PrfHash,
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  label: string,
  length: number,
  context?: Uint8Array,
): Uint8Array {
  const seed =
    context === undefined
      ? concat(clientRandom, serverRandom)
      : concat(
          clientRandom,
          serverRandom,
          Uint8Array.of(context.length >> 8, context.length & 0xff),
          context,
        );
  return prf(hash, master, label, seed, length);
}
