import { randomBytes } from "node:crypto";
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import fc from "fast-check";
import { afterEach, describe, expect, test } from "vitest";
import { DtlsError } from "../../errors.js";
import { MlKem768DecapsulationKey, mlKem768Decapsulate, mlKem768Encapsulate } from "./index.js";
import { sampleNttTuning } from "./sampling.js";

// Differential tests against @noble/post-quantum's ml_kem768 (an independent FIPS 203
// implementation): the deterministic interfaces must give the same bytes.

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const seed64 = fc.uint8Array({ minLength: 64, maxLength: 64 });
const msg32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

/** Our result or our error (which must be a DtlsError), as a comparable string. */
function ours(fn: () => Uint8Array): string {
  try {
    return hex(fn());
  } catch (e) {
    expect(e).toBeInstanceOf(DtlsError);
    return "error";
  }
}

function theirs(fn: () => Uint8Array): string {
  try {
    return hex(fn());
  } catch {
    return "error";
  }
}

describe("ML-KEM-768 against noble's ml_kem768", () => {
  afterEach(() => {
    sampleNttTuning.firstBytes = 672;
  });

  test("keygen(d ‖ z), encapsulate(ek, m) and decapsulate give noble's bytes, both ways", () => {
    fc.assert(
      fc.property(seed64, msg32, (seed, m) => {
        const a = MlKem768DecapsulationKey.generate(seed);
        const b = ml_kem768.keygen(seed);
        expect(hex(a.publicKey)).toBe(hex(b.publicKey));
        expect(hex(a.secretKey)).toBe(hex(b.secretKey));
        const e1 = mlKem768Encapsulate(a.publicKey, m);
        const e2 = ml_kem768.encapsulate(b.publicKey, m);
        expect(hex(e1.cipherText)).toBe(hex(e2.cipherText));
        expect(hex(e1.sharedSecret)).toBe(hex(e2.sharedSecret));
        // Ours decapsulates noble's ciphertext (prepared and from the encoded key), noble ours.
        const fresh = ml_kem768.encapsulate(b.publicKey);
        expect(hex(a.key.decapsulate(fresh.cipherText))).toBe(hex(fresh.sharedSecret));
        expect(hex(mlKem768Decapsulate(fresh.cipherText, b.secretKey))).toBe(hex(fresh.sharedSecret));
        const mine = mlKem768Encapsulate(a.publicKey);
        expect(hex(ml_kem768.decapsulate(mine.cipherText, b.secretKey))).toBe(hex(mine.sharedSecret));
      }),
      { numRuns: 40 },
    );
  });

  test("a tampered ciphertext gives noble's implicit-rejection key, not the shared secret", () => {
    fc.assert(
      fc.property(
        seed64,
        fc.integer({ min: 0, max: 1087 }),
        fc.integer({ min: 1, max: 255 }),
        (seed, at, x) => {
          const { key, secretKey, publicKey } = MlKem768DecapsulationKey.generate(seed);
          const { cipherText, sharedSecret } = ml_kem768.encapsulate(publicKey);
          const bad = cipherText.slice();
          bad[at]! ^= x;
          const rejected = hex(key.decapsulate(bad));
          expect(rejected).not.toBe(hex(sharedSecret));
          expect(rejected).toBe(hex(ml_kem768.decapsulate(bad, secretKey)));
          expect(hex(mlKem768Decapsulate(bad, secretKey))).toBe(rejected);
        },
      ),
      { numRuns: 60 },
    );
  });

  test("mutated encapsulation keys: rejected (modulus check) exactly when noble rejects, else the same bytes", () => {
    const { publicKey } = ml_kem768.keygen(randomBytes(64));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1183 }),
        fc.integer({ min: 0, max: 255 }),
        msg32,
        (at, value, m) => {
          const ek = publicKey.slice();
          ek[at] = value;
          const a = ours(() => mlKem768Encapsulate(ek, m).cipherText);
          const b = theirs(() => ml_kem768.encapsulate(ek, m).cipherText);
          expect(a).toBe(b);
        },
      ),
      { numRuns: 150 },
    );
  });

  test("mutated decapsulation keys: the hash check rejects a changed ek or H(ek); a changed ŝ or z matches noble", () => {
    const { secretKey, publicKey } = ml_kem768.keygen(randomBytes(64));
    const { cipherText } = ml_kem768.encapsulate(publicKey);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2399 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const dk = secretKey.slice();
        dk[at]! ^= x;
        const a = ours(() => mlKem768Decapsulate(cipherText, dk));
        const b = theirs(() => ml_kem768.decapsulate(cipherText, dk));
        if (at >= 1152 && at < 2368) expect(a).toBe("error");
        else expect(a).not.toBe("error");
        expect(a).toBe(b);
      }),
      { numRuns: 150 },
    );
  });

  test("inputs of the wrong size or type are a DtlsError, never a crash", () => {
    const { key, publicKey, secretKey } = MlKem768DecapsulationKey.generate();
    const { cipherText } = mlKem768Encapsulate(publicKey);
    const junk = fc.oneof(
      fc.uint8Array({ maxLength: 3000 }),
      fc.constantFrom<unknown>(undefined, null, "x", 7, [], {}, new Uint16Array(1184)),
    );
    fc.assert(
      fc.property(junk, (x) => {
        const b = x as Uint8Array;
        if (b instanceof Uint8Array && b.length === 1184) return; // a valid-size key: covered above
        expect(() => mlKem768Encapsulate(b)).toThrow(DtlsError);
        if (!(b instanceof Uint8Array && b.length === 1088)) {
          expect(() => key.decapsulate(b)).toThrow(DtlsError);
          expect(() => mlKem768Decapsulate(b, secretKey)).toThrow(DtlsError);
        }
        if (!(b instanceof Uint8Array && b.length === 2400))
          expect(() => mlKem768Decapsulate(cipherText, b)).toThrow(DtlsError);
        // undefined seed or message: the CSPRNG's (the non-deterministic interface)
        if (b !== undefined && !(b instanceof Uint8Array && b.length === 64))
          expect(() => MlKem768DecapsulationKey.generate(b)).toThrow(DtlsError);
        if (b !== undefined && !(b instanceof Uint8Array && b.length === 32))
          expect(() => mlKem768Encapsulate(publicKey, b)).toThrow(DtlsError);
      }),
      { numRuns: 300 },
    );
  });

  test("SampleNTT's fallback (XOF output asked again, longer) gives the same keys and ciphertexts", () => {
    const seed = randomBytes(64);
    const m = randomBytes(32);
    const want = ml_kem768.keygen(seed);
    const wantCt = ml_kem768.encapsulate(want.publicKey, m);
    for (const first of [168, 504, 3]) {
      sampleNttTuning.firstBytes = first;
      const before = sampleNttTuning.fallbacks;
      const got = MlKem768DecapsulationKey.generate(seed);
      expect(hex(got.publicKey)).toBe(hex(want.publicKey));
      expect(hex(mlKem768Encapsulate(got.publicKey, m).cipherText)).toBe(hex(wantCt.cipherText));
      expect(hex(mlKem768Decapsulate(wantCt.cipherText, got.secretKey))).toBe(hex(wantCt.sharedSecret));
      // 168 bytes (≤ 112 accepted) and 3 bytes never suffice: every SampleNTT fell back. 504 sometimes.
      if (first !== 504) expect(sampleNttTuning.fallbacks - before).toBeGreaterThanOrEqual(9 * 4);
    }
  });

  test("a disposed key no longer decapsulates to the secret", () => {
    const { key, publicKey } = MlKem768DecapsulationKey.generate();
    const { cipherText, sharedSecret } = mlKem768Encapsulate(publicKey);
    expect(hex(key.decapsulate(cipherText))).toBe(hex(sharedSecret));
    key.dispose();
    expect(hex(key.decapsulate(cipherText))).not.toBe(hex(sharedSecret));
  });
});
