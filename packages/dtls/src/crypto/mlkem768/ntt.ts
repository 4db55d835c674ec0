import { INV_128, N, Q, ZETAS } from "./params.js";

// The number-theoretic transform of FIPS 203 §4.3 on polynomials held as Uint16Array(256) with
// every coefficient reduced to [0, q). Products of two reduced values stay below 2²⁴, exact in
// int32, so `%` by the constant q (which V8 turns into a multiply-shift) reduces them; sums and
// differences are brought back into range with a sign mask instead of a branch on the data.

/** x − q if that is not negative, else x (for x in [0, 2q)). */
const subQ = (x: number): number => {
  const d = x - Q;
  return d + ((d >> 31) & Q);
};

/** In place: f ← NTT(f) (Algorithm 9). */
export function ntt(f: Uint16Array, off = 0): void {
  let k = 1;
  for (let len = 128; len >= 2; len >>= 1) {
    for (let start = 0; start < N; start += 2 * len) {
      const zeta = ZETAS[k++]!;
      const end = off + start + len;
      for (let j = off + start; j < end; j++) {
        const t = (zeta * f[j + len]!) % Q;
        const x = f[j]!;
        f[j + len] = subQ(x - t + Q);
        f[j] = subQ(x + t);
      }
    }
  }
}

/** ζ^BitRev7(1)·128⁻¹ mod q: the last inverse layer's twiddle with the final scaling folded in. */
const LAST_ZETA_SCALED = (ZETAS[1]! * INV_128) % Q;

/** In place: f ← NTT⁻¹(f) (Algorithm 10), its final multiplication by 128⁻¹ folded into the last layer. */
export function invNtt(f: Uint16Array, off = 0): void {
  let k = 127;
  for (let len = 2; len <= 64; len <<= 1) {
    for (let start = 0; start < N; start += 2 * len) {
      const zeta = ZETAS[k--]!;
      const end = off + start + len;
      for (let j = off + start; j < end; j++) {
        const x = f[j]!;
        const y = f[j + len]!;
        f[j] = subQ(x + y);
        f[j + len] = (zeta * (y - x + Q)) % Q;
      }
    }
  }
  for (let j = off; j < off + 128; j++) {
    const x = f[j]!;
    const y = f[j + 128]!;
    f[j] = ((x + y) * INV_128) % Q;
    f[j + 128] = (LAST_ZETA_SCALED * (y - x + Q)) % Q;
  }
}
