import { hash } from "node:crypto";

/** Hashes the handshake uses: the PRF's and the cookie's. */
export type HmacHash = "sha256" | "sha384";

const BLOCK: Record<HmacHash, number> = { sha256: 64, sha384: 128 };
const DIGEST: Record<HmacHash, number> = { sha256: 32, sha384: 48 };

/**
 * HMAC (RFC 2104) with its key pads computed once, over node:crypto's one-shot
 * `hash()`: H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)).
 *
 * Why not `createHmac`: a handshake needs about 26 HMACs, and every
 * `createHmac` makes a native object with a weak handle. Those handles, not
 * the hashing, made each young-generation GC 5–7 ms slower under load
 * (`--trace-gc-nvp`: heap.external_weak_global_handles). Two one-shot hashes
 * cost the same CPU and leave only plain buffers behind. Tested against
 * `createHmac` and the RFC 4231 vectors.
 */
export class HmacKey {
  readonly digestLength: number;
  private readonly blockLength: number;
  private readonly innerPad: Buffer;
  /** (K ⊕ opad) ‖ room for the inner digest; rewritten by each call (the calls are synchronous). */
  private readonly outer: Buffer;

  constructor(
    readonly algorithm: HmacHash,
    key: Uint8Array,
  ) {
    const block = BLOCK[algorithm];
    this.blockLength = block;
    this.digestLength = DIGEST[algorithm];
    const k = key.length > block ? hash(algorithm, key, "buffer") : key;
    this.innerPad = Buffer.alloc(block, 0x36);
    this.outer = Buffer.alloc(block + this.digestLength).fill(0x5c, 0, block);
    for (let i = 0; i < k.length; i++) {
      this.innerPad[i]! ^= k[i]!;
      this.outer[i]! ^= k[i]!;
    }
  }

  /** HMAC of the concatenated `parts`. */
  mac(...parts: Uint8Array[]): Buffer {
    let length = this.blockLength;
    for (const p of parts) length += p.length;
    const inner = Buffer.allocUnsafe(length);
    this.innerPad.copy(inner, 0);
    let o = this.blockLength;
    for (const p of parts) {
      inner.set(p, o);
      o += p.length;
    }
    this.outer.set(hash(this.algorithm, inner, "buffer"), this.blockLength);
    return hash(this.algorithm, this.outer, "buffer");
  }
}

/** One-shot digest of the concatenated `parts`. */
export function digestOf(algorithm: HmacHash, parts: readonly Uint8Array[]): Buffer {
  if (parts.length === 1) return hash(algorithm, parts[0]!, "buffer");
  return hash(algorithm, Buffer.concat(parts), "buffer");
}
