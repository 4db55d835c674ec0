import {
  addDecompressed1,
  compressEncode1,
  compressEncode4,
  compressEncode10,
  decodeDecompress4,
  decodeDecompress10,
  encode12,
} from "./encode.js";
import { hashG, prf } from "./hashes.js";
import { invNtt, ntt } from "./ntt.js";
import { C1_BYTES, CBD_BYTES, K, N, POLY_BYTES, VEC_BYTES } from "./params.js";
import { addTo, dotAcc, subInto } from "./poly.js";
import { expandMatrix, sampleCbd2 } from "./sampling.js";

// K-PKE (FIPS 203 §5), the public-key encryption under ML-KEM, on expanded keys: Â (k×k
// polynomials, row-major) and t̂, ŝ (k polynomials each) in Uint16Arrays, NTT domain.

// Scratch reused by every call: all of K-PKE is synchronous, so no two calls overlap. Those that
// held secrets (ŷ, e₁, the PRF seed r or σ, w) are wiped before returning.
const vecA = new Uint16Array(K * N);
const vecB = new Uint16Array(K * N);
const polyA = new Uint16Array(N);
const polyB = new Uint16Array(N);
const prfInput = new Uint8Array(33);

/** SamplePolyCBD₂(PRF₂(seed, n)) for n = first.. into k polynomials of `out` (seed in prfInput). */
function sampleVec(first: number, out: Uint16Array): void {
  for (let i = 0; i < K; i++) {
    prfInput[32] = first + i;
    sampleCbd2(prf(prfInput, CBD_BYTES), out, i * N);
  }
}

/**
 * K-PKE.KeyGen(d) (Algorithm 13): fills aHat (k²·256), tHat and sHat (k·256 each) and writes
 * ek = ByteEncode12(t̂) ‖ ρ into `ek` (1184 bytes). dk_PKE is ByteEncode12(ŝ), left to the caller.
 */
export function kpkeKeyGen(
  d: Uint8Array,
  aHat: Uint16Array,
  tHat: Uint16Array,
  sHat: Uint16Array,
  ek: Uint8Array,
): void {
  const g = hashG(d, Uint8Array.of(K)); // (ρ, σ) = G(d ‖ k)
  const rho = g.subarray(0, 32);
  expandMatrix(rho, aHat);
  prfInput.set(g.subarray(32, 64), 0);
  sampleVec(0, sHat);
  sampleVec(K, vecA); // e
  for (let i = 0; i < K; i++) {
    ntt(sHat, i * N);
    ntt(vecA, i * N);
  }
  tHat.set(vecA);
  for (let i = 0; i < K; i++) {
    dotAcc(tHat, i * N, aHat, i * K * N, N, sHat, 0); // t̂ᵢ = êᵢ + Σⱼ Â[i, j] ∘ ŝⱼ
    encode12(tHat, i * N, ek, i * POLY_BYTES);
  }
  ek.set(rho, VEC_BYTES);
  g.fill(0);
  vecA.fill(0);
  prfInput.fill(0);
}

/**
 * K-PKE.Encrypt(ek, m, r) (Algorithm 14) with ek already expanded into Â and t̂: writes the
 * 1088-byte ciphertext c1 ‖ c2 into `ct`.
 */
export function kpkeEncrypt(
  aHat: Uint16Array,
  tHat: Uint16Array,
  m: Uint8Array,
  r: Uint8Array,
  ct: Uint8Array,
): void {
  const y = vecA;
  const u = vecB;
  prfInput.set(r.subarray(0, 32), 0);
  sampleVec(0, y);
  for (let i = 0; i < K; i++) ntt(y, i * N);
  // u = NTT⁻¹(Âᵀ ∘ ŷ) + e₁, e₁ sampled into polyA one polynomial at a time.
  u.fill(0);
  for (let i = 0; i < K; i++) {
    dotAcc(u, i * N, aHat, i * N, K * N, y, 0); // Σⱼ Â[j, i] ∘ ŷⱼ
    invNtt(u, i * N);
    prfInput[32] = K + i;
    sampleCbd2(prf(prfInput, CBD_BYTES), polyA, 0);
    addTo(u, i * N, polyA, 0);
    compressEncode10(u, i * N, ct, i * 320);
  }
  // v = NTT⁻¹(t̂ᵀ ∘ ŷ) + e₂ + μ
  const v = polyB;
  v.fill(0);
  dotAcc(v, 0, tHat, 0, N, y, 0);
  invNtt(v);
  prfInput[32] = 2 * K;
  sampleCbd2(prf(prfInput, CBD_BYTES), polyA, 0);
  addTo(v, 0, polyA, 0);
  addDecompressed1(m, v);
  compressEncode4(v, 0, ct, C1_BYTES);
  y.fill(0);
  u.fill(0);
  polyA.fill(0);
  v.fill(0);
  prfInput.fill(0);
}

/** K-PKE.Decrypt(dk, c) (Algorithm 15) with dk already decoded into ŝ: writes m (32 bytes). */
export function kpkeDecrypt(sHat: Uint16Array, ct: Uint8Array, m: Uint8Array): void {
  const u = vecB;
  const w = polyA;
  w.fill(0);
  for (let i = 0; i < K; i++) {
    decodeDecompress10(ct, i * 320, u, i * N);
    ntt(u, i * N);
  }
  dotAcc(w, 0, sHat, 0, N, u, 0);
  invNtt(w);
  decodeDecompress4(ct, C1_BYTES, polyB, 0);
  subInto(polyB, polyB, 0, w, 0); // w = v′ − NTT⁻¹(ŝᵀ ∘ NTT(u′))
  compressEncode1(polyB, m);
  w.fill(0);
  polyB.fill(0);
  u.fill(0);
}
