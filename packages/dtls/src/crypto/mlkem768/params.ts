// ML-KEM-768 parameters (FIPS 203 §8, table 2) and the NTT's constant tables (§4.3).

/** Coefficients per polynomial. */
export const N = 256;
/** The prime modulus q. */
export const Q = 3329;
/** Module rank k of ML-KEM-768. */
export const K = 3;
/** Bits per compressed coefficient of u (d_u) and of v (d_v). */
export const DU = 10;
export const DV = 4;
/** Bytes of one polynomial under ByteEncode12. */
export const POLY_BYTES = 384;
/** Bytes of ByteEncode12 of a vector of K polynomials (t̂ or ŝ). */
export const VEC_BYTES = POLY_BYTES * K;
/** Encapsulation key: ByteEncode12(t̂) ‖ ρ. */
export const EK_BYTES = VEC_BYTES + 32;
/** Decapsulation key: ByteEncode12(ŝ) ‖ ek ‖ H(ek) ‖ z. */
export const DK_BYTES = VEC_BYTES + EK_BYTES + 64;
/** Bytes of c1 (u compressed to d_u bits) and of the whole ciphertext (c1 ‖ c2). */
export const C1_BYTES = 32 * DU * K;
export const CT_BYTES = C1_BYTES + 32 * DV;
/** Shared secret, seeds d, z, m, ρ, σ, r. */
export const SEED_BYTES = 32;
/** PRF output for η = 2: 64·η bytes feed SamplePolyCBD₂. */
export const CBD_BYTES = 128;

/** BitRev7: the 7-bit number with the bits of `i` in reverse order. */
function bitRev7(i: number): number {
  let r = 0;
  for (let b = 0; b < 7; b++) r |= ((i >> b) & 1) << (6 - b);
  return r;
}

function powMod(base: number, exp: number): number {
  let r = 1;
  for (let e = 0; e < exp; e++) r = (r * base) % Q;
  return r;
}

/** ζ^BitRev7(i) mod q for i = 0..127, ζ = 17 (the NTT's and its inverse's twiddles, Algorithms 9 and 10). */
export const ZETAS = new Uint16Array(128);
/** γᵢ = ζ^(2·BitRev7(i)+1) mod q: the moduli X² − γᵢ of BaseCaseMultiply (Algorithm 11). */
export const GAMMAS = new Uint16Array(128);
for (let i = 0; i < 128; i++) {
  ZETAS[i] = powMod(17, bitRev7(i));
  GAMMAS[i] = powMod(17, 2 * bitRev7(i) + 1);
}
/** 128⁻¹ mod q: the inverse NTT's final scaling (Algorithm 10, line 14). */
export const INV_128 = 3303;
