import { createHash, hash } from "node:crypto";

// The hash functions of FIPS 203 §4.1 through node:crypto (OpenSSL's Keccak: 6–13× faster than
// Keccak in JavaScript on this machine). The fixed-length ones go through the one-shot
// crypto.hash (half the cost of a createHash object); Node 20 has no incremental squeeze of an XOF,
// so PRF and XOF ask createHash for their output length up front (see sampling.ts for what
// SampleNTT does when that runs out).

/** H(s) = SHA3-256(s). */
export function hashH(s: Uint8Array): Buffer {
  return hash("sha3-256", s, "buffer");
}

/** G(a ‖ b) = SHA3-512(a ‖ b): 64 bytes, split by the callers. */
export function hashG(a: Uint8Array, b: Uint8Array): Buffer {
  const input = new Uint8Array(a.length + b.length);
  input.set(a, 0);
  input.set(b, a.length);
  const out = hash("sha3-512", input, "buffer");
  input.fill(0); // m or d: secret
  return out;
}

const jInput = new Uint8Array(32 + 1088);

/**
 * Whether crypto.hash's SHAKE256 gives 32 bytes (OpenSSL's default length, which J needs):
 * checked once against createHash, as later Node versions may refuse an XOF without a length.
 */
const oneShotJ = (() => {
  try {
    const probe = Uint8Array.of(1, 2, 3);
    return (
      hash("shake256", probe, "hex") ===
      createHash("shake256", { outputLength: 32 }).update(probe).digest("hex")
    );
  } catch {
    return false;
  }
})();

/** J(z ‖ c) = SHAKE256(z ‖ c, 32 bytes) for a 1088-byte c: the implicit-rejection key. */
export function hashJ(z: Uint8Array, c: Uint8Array): Buffer {
  if (!oneShotJ) return createHash("shake256", { outputLength: 32 }).update(z).update(c).digest();
  jInput.set(z.subarray(0, 32), 0);
  jInput.set(c, 32);
  const out = hash("shake256", jInput, "buffer");
  jInput.fill(0, 0, 32);
  return out;
}

/** PRF_η(s, b) = SHAKE256(s ‖ b, 64·η bytes); `input` is s ‖ b already (33 bytes). */
export function prf(input: Uint8Array, bytes: number): Buffer {
  return createHash("shake256", { outputLength: bytes }).update(input).digest();
}

/** The first `bytes` bytes of SHAKE128(input): XOF of SampleNTT. */
export function xof(input: Uint8Array, bytes: number): Buffer {
  return createHash("shake128", { outputLength: bytes }).update(input).digest();
}
