import { hash } from "node:crypto";

/** Hashes the handshake uses: the PRF's and the cookie's. */
export type HmacHash = "sha256" | "sha384";

const BLOCK: Record<HmacHash, number> = { sha256: 64, sha384: 128 };
const DIGEST: Record<HmacHash, number> = { sha256: 32, sha384: 48 };

/**
 * A one-shot digest as bytes. Node 20's `hash(…, "buffer")` allocates its
 * result natively (an ArrayBuffer with its own backing store) and takes the
 * slow path of encoding-name normalisation for "buffer"; a "binary" (latin1)
 * string, one character per byte (exact), copied into a pooled Buffer costs
 * about 40 % less per call (941 against 566 ns for 100 bytes, interleaved runs), and a
 * handshake makes 60 (DTLS 1.2) to 116 (1.3) of them.
 */
export function digest(algorithm: HmacHash, data: Uint8Array): Buffer {
  return Buffer.from(hash(algorithm, data, "binary"), "binary");
}

/**
 * Scratch space for HMAC and digest inputs: every call is synchronous and done with it before
 * returning. A plain Uint8Array: its subarray() is V8's own, where Buffer's builds a FastBuffer
 * (several times slower in Node 20, and an HMAC takes two views).
 */
let scratch = new Uint8Array(1024);

function scratchOf(length: number): Uint8Array {
  if (scratch.length < length) scratch = new Uint8Array(2 * length);
  return scratch;
}

/**
 * HMAC (RFC 2104) with its key pads computed once, over node:crypto's one-shot
 * `hash()`: H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)).
 *
 * Why not `createHmac`: a handshake needs about 26 HMACs, and every
 * `createHmac` makes a native object with a weak handle. Those handles, not
 * the hashing, made each young-generation GC 5–7 ms slower under load
 * (`--trace-gc-nvp`: heap.external_weak_global_handles). Two one-shot hashes
 * cost the same CPU and leave only plain buffers behind. (A JS SHA-256
 * compression of the precomputed pad states was tried for the key schedule's
 * one-block inputs: on this machine it cost as much as the native call it
 * replaced, and made each key several times dearer.) Tested against
 * `createHmac` and the RFC 4231 vectors.
 */
export class HmacKey {
  readonly digestLength: number;
  private readonly block: number;
  private readonly innerPad: Uint8Array;
  private readonly outerPad: Uint8Array;

  constructor(
    readonly algorithm: HmacHash,
    key: Uint8Array,
  ) {
    const block = BLOCK[algorithm];
    this.block = block;
    this.digestLength = DIGEST[algorithm];
    const k = key.length > block ? digest(algorithm, key) : key;
    const n = k.length;
    // Two small on-heap arrays: cheaper to make than a Buffer and two views of it.
    const inner = new Uint8Array(block);
    const outer = new Uint8Array(block);
    for (let i = 0; i < block; i++) {
      const b = i < n ? k[i]! : 0;
      inner[i] = b ^ 0x36;
      outer[i] = b ^ 0x5c;
    }
    this.innerPad = inner;
    this.outerPad = outer;
  }

  /**
   * HMAC of `a ‖ b ‖ last` (`last`: one trailing byte, HKDF-Expand's block counter, so that
   * callers need not copy their input to append it): its first `length` bytes (default all;
   * HKDF-Expand-Label's keys and IVs are shorter than a digest, and a view of a Buffer costs
   * Node 20 a FastBuffer).
   */
  mac(a: Uint8Array, b?: Uint8Array, last?: number, length = this.digestLength): Uint8Array {
    const block = this.block;
    const bLength = b ? b.length : 0;
    const n = block + a.length + bLength + (last === undefined ? 0 : 1);
    let s = scratchOf(n);
    s.set(this.innerPad, 0);
    s.set(a, block);
    if (b) s.set(b, block + a.length);
    if (last !== undefined) s[n - 1] = last;
    // The inner digest as a binary string written straight after the outer pad: no buffer for it.
    const inner = hash(this.algorithm, s.subarray(0, n), "binary");
    s = scratchOf(block + inner.length);
    s.set(this.outerPad, 0);
    for (let i = 0; i < inner.length; i++) s[block + i] = inner.charCodeAt(i);
    const outer = hash(this.algorithm, s.subarray(0, block + inner.length), "binary");
    if (length === outer.length) return Buffer.from(outer, "latin1");
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = outer.charCodeAt(i);
    return out;
  }
}

/** One-shot digest of the concatenated `parts`. */
export function digestOf(algorithm: HmacHash, parts: readonly Uint8Array[]): Buffer {
  if (parts.length === 1) return digest(algorithm, parts[0]!);
  let length = 0;
  for (const p of parts) length += p.length;
  const s = scratchOf(length);
  let o = 0;
  for (const p of parts) {
    s.set(p, o);
    o += p.length;
  }
  return digest(algorithm, s.subarray(0, length));
}
