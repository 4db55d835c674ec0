/**
 * ML-KEM-768 (FIPS 203) for the X25519MLKEM768 key share of DTLS 1.3.
 *
 * Why our own and not @noble/post-quantum's (which stays, as the reference of the differential
 * tests and of the benchmark): noble computes SHA-3/SHAKE in JavaScript and does not let callers
 * inject hash functions, and Keccak is most of ML-KEM's time (noble's SHAKE128 of 840 bytes 42 µs
 * against node:crypto's 7.3 µs; SHA3-256 of 1184 bytes 77 against 6 µs). Written from FIPS 203
 * with node:crypto's SHA3/SHAKE. Measured beside noble in the same run by `npm run bench -- dtls`
 * (tools/bench/src/dtls/mlkem.ts; 2 cores shared by several sessions, load 6–10), µs ours / noble:
 * key generation 266 / 1,209 (4.5×), encapsulation 221 / 945 (4.3×), decapsulation of an encoded
 * key 273 / 1,003 (3.7×), decapsulation with an expanded key (a pooled client pair) 180 / 652 (3.6×).
 * What is left is mostly node:crypto's per-call cost (a createHash object and a Buffer for each
 * of the 9 SHAKE128 and 7 SHAKE256 calls of an encapsulation) and the NTTs.
 */
export {
  MlKem768DecapsulationKey,
  type MlKem768Encapsulation,
  type MlKem768KeyPair,
  mlKem768Decapsulate,
  mlKem768Encapsulate,
} from "./kem.js";
