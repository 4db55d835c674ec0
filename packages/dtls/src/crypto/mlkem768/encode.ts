import { N, Q } from "./params.js";

// ByteEncode/ByteDecode (FIPS 203 Algorithms 5 and 6) for d = 12, 10, 4 and 1, fused with
// Compress_d/Decompress_d (§4.2.1) where the algorithms always apply them together. Bits are
// packed little-endian: coefficient i's bit b is bit (i·d + b) of the output.

/** ByteEncode12 of N coefficients of f from fOff, into out at `at` (384 bytes). */
export function encode12(f: Uint16Array, fOff: number, out: Uint8Array, at: number): void {
  for (let i = 0; i < N / 2; i++) {
    const a = f[fOff + 2 * i]!;
    const b = f[fOff + 2 * i + 1]!;
    const o = at + 3 * i;
    out[o] = a;
    out[o + 1] = (a >> 8) | (b << 4);
    out[o + 2] = b >> 4;
  }
}

/**
 * ByteDecode12 of 384 bytes of `bytes` from `at` into f at fOff, reduced modulo q as §4.2.1
 * says. Returns a non-zero value when some encoded coefficient was not already below q (the
 * encapsulation key's modulus check, §7.2, is that this returns 0 for every polynomial).
 */
export function decode12(bytes: Uint8Array, at: number, f: Uint16Array, fOff: number): number {
  let unreduced = 0;
  for (let i = 0; i < N / 2; i++) {
    const o = at + 3 * i;
    const b1 = bytes[o + 1]!;
    const a = bytes[o]! | ((b1 & 0x0f) << 8);
    const b = (b1 >> 4) | (bytes[o + 2]! << 4);
    const ra = a - Q;
    const rb = b - Q;
    // ra (rb) ≥ 0 exactly when a (b) ≥ q: then ~ra (~rb) has its sign bit set.
    unreduced |= (~ra | ~rb) >>> 31;
    f[fOff + 2 * i] = ra + ((ra >> 31) & Q);
    f[fOff + 2 * i + 1] = rb + ((rb >> 31) & Q);
  }
  return unreduced;
}

/** Compress_d(x) = ⌈(2^d/q)·x⌋ mod 2^d, as ⌊(x·2^(d+1) + q) / 2q⌋ (q is odd: no ties). */
const compress = (x: number, d: number): number => Math.floor((x * (2 << d) + Q) / (2 * Q)) & ((1 << d) - 1);

/** ByteEncode10(Compress10(f)) into out at `at` (320 bytes): 4 coefficients in 5 bytes. */
export function compressEncode10(f: Uint16Array, fOff: number, out: Uint8Array, at: number): void {
  for (let i = 0; i < N / 4; i++) {
    const c0 = compress(f[fOff + 4 * i]!, 10);
    const c1 = compress(f[fOff + 4 * i + 1]!, 10);
    const c2 = compress(f[fOff + 4 * i + 2]!, 10);
    const c3 = compress(f[fOff + 4 * i + 3]!, 10);
    const o = at + 5 * i;
    out[o] = c0;
    out[o + 1] = (c0 >> 8) | (c1 << 2);
    out[o + 2] = (c1 >> 6) | (c2 << 4);
    out[o + 3] = (c2 >> 4) | (c3 << 6);
    out[o + 4] = c3 >> 2;
  }
}

/** Decompress10(ByteDecode10(320 bytes from `at`)) into f at fOff: ⌈(q/1024)·y⌋. */
export function decodeDecompress10(bytes: Uint8Array, at: number, f: Uint16Array, fOff: number): void {
  for (let i = 0; i < N / 4; i++) {
    const o = at + 5 * i;
    const b0 = bytes[o]!;
    const b1 = bytes[o + 1]!;
    const b2 = bytes[o + 2]!;
    const b3 = bytes[o + 3]!;
    const b4 = bytes[o + 4]!;
    f[fOff + 4 * i] = (Q * (b0 | ((b1 & 0x03) << 8)) + 512) >> 10;
    f[fOff + 4 * i + 1] = (Q * ((b1 >> 2) | ((b2 & 0x0f) << 6)) + 512) >> 10;
    f[fOff + 4 * i + 2] = (Q * ((b2 >> 4) | ((b3 & 0x3f) << 4)) + 512) >> 10;
    f[fOff + 4 * i + 3] = (Q * ((b3 >> 6) | (b4 << 2)) + 512) >> 10;
  }
}

/** ByteEncode4(Compress4(f)) into out at `at` (128 bytes). */
export function compressEncode4(f: Uint16Array, fOff: number, out: Uint8Array, at: number): void {
  for (let i = 0; i < N / 2; i++) {
    out[at + i] = compress(f[fOff + 2 * i]!, 4) | (compress(f[fOff + 2 * i + 1]!, 4) << 4);
  }
}

/** Decompress4(ByteDecode4(128 bytes from `at`)) into f: ⌈(q/16)·y⌋. */
export function decodeDecompress4(bytes: Uint8Array, at: number, f: Uint16Array, fOff: number): void {
  for (let i = 0; i < N / 2; i++) {
    const b = bytes[at + i]!;
    f[fOff + 2 * i] = (Q * (b & 0x0f) + 8) >> 4;
    f[fOff + 2 * i + 1] = (Q * (b >> 4) + 8) >> 4;
  }
}

/** ByteEncode1(Compress1(f)): the 32-byte message of K-PKE.Decrypt (Algorithm 15, line 7). */
export function compressEncode1(f: Uint16Array, out: Uint8Array): void {
  for (let i = 0; i < 32; i++) {
    let byte = 0;
    for (let b = 0; b < 8; b++) byte |= compress(f[8 * i + b]!, 1) << b;
    out[i] = byte;
  }
}

/** Decompress1(ByteDecode1(m)) added to f modulo q: μ of K-PKE.Encrypt (Algorithm 14, lines 20–21). */
export function addDecompressed1(m: Uint8Array, f: Uint16Array): void {
  for (let i = 0; i < N; i++) {
    const bit = (m[i >> 3]! >> (i & 7)) & 1;
    const d = f[i]! + (-bit & ((Q + 1) >> 1)) - Q;
    f[i] = d + ((d >> 31) & Q);
  }
}
