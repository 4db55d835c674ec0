import { GAMMAS, K, N, Q } from "./params.js";

// Arithmetic on polynomials (Uint16Array, coefficients in [0, q)) addressed as (array, offset) so
// that vectors and the matrix Â live in one typed array each, without per-call views.

/**
 * acc ← acc + Σⱼ a[aOff + j·aStride] ∘ b[bOff + j·256] for j < k, in the NTT domain
 * (MultiplyNTTs, Algorithm 11, with BaseCaseMultiply, Algorithm 12, folded in: 128 products
 * modulo X² − γᵢ): one row or column of Â times a vector, or t̂ᵀ∘ŷ, ŝᵀ∘û. The k products are
 * summed before one reduction: below q + k·2q² < 2³¹.
 */
export function dotAcc(
  acc: Uint16Array,
  accOff: number,
  a: Uint16Array,
  aOff: number,
  aStride: number,
  b: Uint16Array,
  bOff: number,
): void {
  for (let i = 0; i < 2 * 128; i += 2) {
    const gamma = GAMMAS[i >> 1]!;
    let c0 = acc[accOff + i]!;
    let c1 = acc[accOff + i + 1]!;
    for (let j = 0; j < K; j++) {
      const ai = aOff + j * aStride + i;
      const bi = bOff + j * N + i;
      const a0 = a[ai]!;
      const a1 = a[ai + 1]!;
      const b0 = b[bi]!;
      const b1 = b[bi + 1]!;
      c0 += a0 * b0 + ((a1 * b1) % Q) * gamma;
      c1 += a0 * b1 + a1 * b0;
    }
    acc[accOff + i] = c0 % Q;
    acc[accOff + i + 1] = c1 % Q;
  }
}

/** acc ← acc + b (mod q). */
export function addTo(acc: Uint16Array, accOff: number, b: Uint16Array, bOff: number): void {
  for (let i = 0; i < N; i++) {
    const d = acc[accOff + i]! + b[bOff + i]! - Q;
    acc[accOff + i] = d + ((d >> 31) & Q);
  }
}

/** out ← a − b (mod q). */
export function subInto(out: Uint16Array, a: Uint16Array, aOff: number, b: Uint16Array, bOff: number): void {
  for (let i = 0; i < N; i++) {
    const d = a[aOff + i]! - b[bOff + i]!;
    out[i] = d + ((d >> 31) & Q);
  }
}
