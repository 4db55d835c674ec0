import { GAMMAS, N, Q } from "./params.js";

// Arithmetic on polynomials (Uint16Array, coefficients in [0, q)) addressed as (array, offset) so
// that vectors and the matrix Â live in one typed array each, without per-call views.

/**
 * acc ← acc + a ∘ b in the NTT domain (MultiplyNTTs, Algorithm 11, with BaseCaseMultiply,
 * Algorithm 12, folded in): 128 products modulo X² − γᵢ. The sum of the reduced accumulator
 * and the two products stays below 2q² + q < 2³¹.
 */
export function mulAcc(
  acc: Uint16Array,
  accOff: number,
  a: Uint16Array,
  aOff: number,
  b: Uint16Array,
  bOff: number,
): void {
  for (let i = 0; i < 128; i++) {
    const a0 = a[aOff + 2 * i]!;
    const a1 = a[aOff + 2 * i + 1]!;
    const b0 = b[bOff + 2 * i]!;
    const b1 = b[bOff + 2 * i + 1]!;
    const c = accOff + 2 * i;
    acc[c] = (acc[c]! + a0 * b0 + ((a1 * b1) % Q) * GAMMAS[i]!) % Q;
    acc[c + 1] = (acc[c + 1]! + a0 * b1 + a1 * b0) % Q;
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
