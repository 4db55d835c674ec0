import { DtlsError } from "../../errors.js";
import { xof } from "./hashes.js";
import { K, N, Q } from "./params.js";

/**
 * SHAKE128 bytes asked for first by SampleNTT: 4 blocks of 168. Each 3 bytes give two 12-bit
 * candidates, each accepted with probability q/4096 ≈ 0.81, so 672 bytes (448 candidates, 364
 * accepted on average) fall short of 256 with probability below 2⁻¹⁰⁰. When they do (or when a
 * test lowers this), the output is asked again, twice as long: an XOF's longer output starts
 * with the shorter one, so the coefficients are the same as from one unbounded squeeze.
 */
export const sampleNttTuning = { firstBytes: 672, fallbacks: 0 };

/** Output lengths beyond this are not asked for (2⁻ⁿ-unlikely by many orders of magnitude). */
const MAX_XOF_BYTES = 168 * 64;

/**
 * Rejection sampling of the candidates in `bytes` into out[off..off+256) (SampleNTT,
 * Algorithm 7, lines 5–14); returns the number of coefficients filled.
 */
export function rejectionSample(bytes: Uint8Array, out: Uint16Array, off: number): number {
  let j = 0;
  const usable = bytes.length - (bytes.length % 3);
  for (let i = 0; i < usable && j < N; i += 3) {
    const c0 = bytes[i]!;
    const c1 = bytes[i + 1]!;
    const c2 = bytes[i + 2]!;
    const d1 = c0 | ((c1 & 0x0f) << 8);
    const d2 = (c1 >> 4) | (c2 << 4);
    if (d1 < Q) out[off + j++] = d1;
    if (d2 < Q && j < N) out[off + j++] = d2;
  }
  return j;
}

/**
 * Â[i, j] = SampleNTT(ρ ‖ j ‖ i) for i, j < k (K-PKE.KeyGen, Algorithm 13, lines 3–7), into
 * `out` at ((i·k + j)·256). Â is public: rejection sampling's timing reveals nothing secret.
 */
export function expandMatrix(rho: Uint8Array, out: Uint16Array): void {
  const seed = new Uint8Array(34);
  seed.set(rho.subarray(0, 32), 0);
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < K; j++) {
      seed[32] = j;
      seed[33] = i;
      sampleNtt(seed, out, (i * K + j) * N);
    }
  }
}

/** SampleNTT(seed) into out[off..off+256), asking SHAKE128 for more output when needed. */
export function sampleNtt(seed: Uint8Array, out: Uint16Array, off: number): void {
  for (let bytes = sampleNttTuning.firstBytes; bytes <= MAX_XOF_BYTES; bytes *= 2) {
    if (rejectionSample(xof(seed, bytes), out, off) === N) return;
    sampleNttTuning.fallbacks++;
  }
  throw new DtlsError("ERR_DTLS_MALFORMED", "ML-KEM-768: SampleNTT found too few coefficients");
}

/**
 * SamplePolyCBD₂ (Algorithm 8 for η = 2) of 128 PRF bytes into out[off..off+256): each
 * nibble's low two bits minus its high two bits, modulo q.
 */
export function sampleCbd2(bytes: Uint8Array, out: Uint16Array, off: number): void {
  for (let i = 0; i < 128; i++) {
    const b = bytes[i]!;
    const lo = (b & 1) + ((b >> 1) & 1) - ((b >> 2) & 1) - ((b >> 3) & 1);
    const hi = ((b >> 4) & 1) + ((b >> 5) & 1) - ((b >> 6) & 1) - ((b >> 7) & 1);
    out[off + 2 * i] = lo + ((lo >> 31) & Q);
    out[off + 2 * i + 1] = hi + ((hi >> 31) & Q);
  }
}
