import { DtlsError } from "../../errors.js";
import { randomBytesPooled } from "../random.js";
import { decode12, encode12 } from "./encode.js";
import { hashG, hashH, hashJ } from "./hashes.js";
import { kpkeDecrypt, kpkeEncrypt, kpkeKeyGen } from "./k-pke.js";
import { CT_BYTES, DK_BYTES, EK_BYTES, K, N, POLY_BYTES, SEED_BYTES, VEC_BYTES } from "./params.js";
import { expandMatrix } from "./sampling.js";

// ML-KEM-768 (FIPS 203 §6–7): key generation, encapsulation and decapsulation with the input
// checks of §7.2 and §7.3, and a decapsulation key kept expanded (Â, t̂, ŝ, H(ek), z) for the
// key pairs a client makes ahead of its handshakes.

/** A ciphertext and the shared secret it carries. */
export interface MlKem768Encapsulation {
  /** 1088 bytes, for the holder of the decapsulation key. */
  readonly cipherText: Uint8Array;
  /** 32 bytes. */
  readonly sharedSecret: Uint8Array;
}

/** An encapsulation key (1184 bytes, public) and its decapsulation key (2400 bytes, secret). */
export interface MlKem768KeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

const malformed = (what: string) => new DtlsError("ERR_DTLS_MALFORMED", `ML-KEM-768: ${what}`);

function bytesOf(x: unknown, length: number, what: string): Uint8Array {
  if (!(x instanceof Uint8Array) || x.length !== length)
    throw malformed(`${what} must be ${length} bytes (got ${x instanceof Uint8Array ? x.length : typeof x})`);
  return x;
}

/** A copy (Buffer's slice is a view: wiping it would wipe the caller's bytes). */
const copy = (b: Uint8Array, start: number, end: number): Uint8Array =>
  new Uint8Array(b.subarray(start, end));

// Scratch of encapsulation (Â of the peer's key: public) and decapsulation (m′, c′: wiped).
const peerA = new Uint16Array(K * K * N);
const peerT = new Uint16Array(K * N);
const mPrime = new Uint8Array(SEED_BYTES);
const ctPrime = new Uint8Array(CT_BYTES);

/**
 * A decapsulation key with everything decapsulation derives from it done once: ŝ decoded, Â
 * expanded from ρ, t̂ decoded, H(ek) and z split out. Made by {@link MlKem768DecapsulationKey.generate}
 * (which has them all at hand anyway) or {@link MlKem768DecapsulationKey.fromSecretKey}.
 */
export class MlKem768DecapsulationKey {
  private constructor(
    /** The encapsulation key that goes with it (1184 bytes). */
    readonly publicKey: Uint8Array,
    private readonly aHat: Uint16Array,
    private readonly tHat: Uint16Array,
    private readonly sHat: Uint16Array,
    private readonly h: Uint8Array,
    private readonly z: Uint8Array,
  ) {}

  /**
   * ML-KEM.KeyGen (Algorithm 19; ML-KEM.KeyGen_internal, Algorithm 16, with `seed` = d ‖ z,
   * 64 bytes, as FIPS 203's deterministic interface takes them): a fresh key from the CSPRNG when
   * `seed` is not given. Returns the expanded key and the encoded pair.
   */
  static generate(seed?: Uint8Array): { key: MlKem768DecapsulationKey } & MlKem768KeyPair {
    const dz = seed === undefined ? randomBytesPooled(64) : bytesOf(seed, 64, "key generation seed");
    const aHat = new Uint16Array(K * K * N);
    const tHat = new Uint16Array(K * N);
    const sHat = new Uint16Array(K * N);
    const ek = new Uint8Array(EK_BYTES);
    kpkeKeyGen(dz.subarray(0, 32), aHat, tHat, sHat, ek);
    const dk = new Uint8Array(DK_BYTES);
    for (let i = 0; i < K; i++) encode12(sHat, i * N, dk, i * POLY_BYTES);
    dk.set(ek, VEC_BYTES);
    const h = new Uint8Array(hashH(ek));
    dk.set(h, VEC_BYTES + EK_BYTES);
    const z = copy(dz, 32, 64);
    dk.set(z, DK_BYTES - 32);
    if (seed === undefined) dz.fill(0);
    return { key: new MlKem768DecapsulationKey(ek, aHat, tHat, sHat, h, z), publicKey: ek, secretKey: dk };
  }

  /**
   * Expands a 2400-byte decapsulation key after FIPS 203's check (§7.3): H of the encapsulation
   * key inside it must equal the hash stored beside it. Throws a `DtlsError` otherwise.
   */
  static fromSecretKey(secretKey: Uint8Array): MlKem768DecapsulationKey {
    const dk = bytesOf(secretKey, DK_BYTES, "decapsulation key");
    const ek = copy(dk, VEC_BYTES, VEC_BYTES + EK_BYTES);
    const h = copy(dk, VEC_BYTES + EK_BYTES, DK_BYTES - 32);
    const computed = hashH(ek);
    let diff = 0;
    for (let i = 0; i < 32; i++) diff |= computed[i]! ^ h[i]!;
    if (diff !== 0) throw malformed("decapsulation key hash check failed");
    const sHat = new Uint16Array(K * N);
    const tHat = new Uint16Array(K * N);
    for (let i = 0; i < K; i++) {
      decode12(dk, i * POLY_BYTES, sHat, i * N);
      decode12(ek, i * POLY_BYTES, tHat, i * N);
    }
    const aHat = new Uint16Array(K * K * N);
    expandMatrix(ek.subarray(VEC_BYTES), aHat);
    return new MlKem768DecapsulationKey(ek, aHat, tHat, sHat, h, copy(dk, DK_BYTES - 32, DK_BYTES));
  }

  /**
   * ML-KEM.Decaps (Algorithms 21 and 18): the shared secret of `cipherText` (1088 bytes, else a
   * `DtlsError`). A ciphertext that does not re-encrypt to itself yields the implicit-rejection
   * key J(z ‖ c), chosen without a branch on the comparison.
   */
  decapsulate(cipherText: Uint8Array): Uint8Array {
    const c = bytesOf(cipherText, CT_BYTES, "ciphertext");
    kpkeDecrypt(this.sHat, c, mPrime);
    const g = hashG(mPrime, this.h); // (K′, r′) = G(m′ ‖ h)
    const kBar = hashJ(this.z, c);
    kpkeEncrypt(this.aHat, this.tHat, mPrime, g.subarray(32, 64), ctPrime);
    let diff = 0;
    for (let i = 0; i < CT_BYTES; i++) diff |= c[i]! ^ ctPrime[i]!;
    const keep = (diff - 1) >> 31; // all ones when c′ = c, else 0
    const out = new Uint8Array(SEED_BYTES);
    for (let i = 0; i < SEED_BYTES; i++) out[i] = (g[i]! & keep) | (kBar[i]! & ~keep);
    mPrime.fill(0);
    ctPrime.fill(0);
    g.fill(0);
    kBar.fill(0);
    return out;
  }

  /** Wipes the secret parts (ŝ, z); the key decapsulates nothing meaningful afterwards. */
  dispose(): void {
    this.sHat.fill(0);
    this.z.fill(0);
    this.aHat.fill(0);
    this.tHat.fill(0);
  }
}

/**
 * ML-KEM.Encaps (Algorithms 20 and 17) to `publicKey` after the encapsulation key checks of
 * §7.2 (1184 bytes; every ByteEncode12 coefficient below q), else a `DtlsError`. `msg` is the
 * 32-byte m of the deterministic interface (tests); by default it comes from the CSPRNG.
 */
export function mlKem768Encapsulate(publicKey: Uint8Array, msg?: Uint8Array): MlKem768Encapsulation {
  const ek = bytesOf(publicKey, EK_BYTES, "encapsulation key");
  const m = msg === undefined ? randomBytesPooled(SEED_BYTES) : bytesOf(msg, SEED_BYTES, "message");
  let unreduced = 0;
  for (let i = 0; i < K; i++) unreduced |= decode12(ek, i * POLY_BYTES, peerT, i * N);
  if (unreduced !== 0) throw malformed("encapsulation key modulus check failed");
  expandMatrix(ek.subarray(VEC_BYTES), peerA);
  const g = hashG(m, hashH(ek)); // (K, r) = G(m ‖ H(ek))
  const cipherText = new Uint8Array(CT_BYTES);
  kpkeEncrypt(peerA, peerT, m, g.subarray(32, 64), cipherText);
  const sharedSecret = copy(g, 0, 32);
  g.fill(0);
  if (msg === undefined) m.fill(0);
  return { cipherText, sharedSecret };
}

/** ML-KEM.Decaps with an encoded 2400-byte decapsulation key (checked and expanded, then used once). */
export function mlKem768Decapsulate(cipherText: Uint8Array, secretKey: Uint8Array): Uint8Array {
  bytesOf(cipherText, CT_BYTES, "ciphertext");
  const key = MlKem768DecapsulationKey.fromSecretKey(secretKey);
  try {
    return key.decapsulate(cipherText);
  } finally {
    key.dispose();
  }
}
