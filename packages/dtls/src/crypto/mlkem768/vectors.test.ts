import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, test } from "vitest";
import { DtlsError } from "../../errors.js";
import { MlKem768DecapsulationKey, mlKem768Decapsulate, mlKem768Encapsulate } from "./index.js";
import { sampleNttTuning } from "./sampling.js";

// Published ML-KEM-768 vectors from C2SP's CCTV and Wycheproof (sources in test-vectors/dtls/README.md).

interface WycheproofTest {
  tcId: number;
  comment?: string;
  flags?: string[];
  seed?: string;
  dk?: string;
  ek?: string;
  c?: string;
  K?: string;
  result: "valid" | "invalid";
}

function wycheproof(file: string): WycheproofTest[] {
  const json = JSON.parse(gunzipSync(readFileSync(new URL(file, dir))).toString("utf8")) as {
    testGroups: { tests: WycheproofTest[] }[];
  };
  return json.testGroups.flatMap((g) => g.tests);
}

const dir = new URL("../../../../../test-vectors/dtls/", import.meta.url);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unhex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));

/** Records of `key = hex` lines, separated by blank lines. */
function records(file: string): Record<string, Uint8Array>[] {
  return readFileSync(new URL(file, dir), "utf8")
    .split(/\n\s*\n/)
    .filter((block) => block.trim() !== "")
    .map((block) =>
      Object.fromEntries(
        block
          .trim()
          .split("\n")
          .map((line) => {
            const [k, v] = line.split(" = ");
            return [k!.trim(), unhex(v!.trim())];
          }),
      ),
    );
}

describe("ML-KEM-768 published vectors (C2SP CCTV)", () => {
  afterEach(() => {
    sampleNttTuning.firstBytes = 672;
  });

  test("unluckysample: an ek whose SampleNTT needs over 575 XOF bytes encapsulates m to the published c, K", () => {
    // CCTV made these for FIPS 203 ipd, whose key generation hashed d without k: the ek and dk
    // are taken as given (Encaps and Decaps are the same in the final standard).
    const [v] = records("cctv-mlkem768-unluckysample.txt");
    for (const first of [672, 504]) {
      sampleNttTuning.firstBytes = first;
      const before = sampleNttTuning.fallbacks;
      const { cipherText, sharedSecret } = mlKem768Encapsulate(v!.ek!, v!.m!);
      expect(hex(cipherText)).toBe(hex(v!.c!));
      expect(hex(sharedSecret)).toBe(hex(v!.K!));
      expect(hex(mlKem768Decapsulate(cipherText, v!.dk!))).toBe(hex(v!.K!));
      // 504 bytes (3 blocks) are too few for this ρ: the longer output was asked for.
      if (first === 504) expect(sampleNttTuning.fallbacks).toBeGreaterThan(before);
    }
  });

  test("strcmp: ciphertexts whose re-encryption differs after a zero byte are rejected (published K)", () => {
    const all = records("cctv-mlkem768-strcmp.txt");
    expect(all.length).toBeGreaterThan(0);
    for (const v of all) {
      expect(hex(mlKem768Decapsulate(v.c!, v.dk!))).toBe(hex(v.K!));
      expect(hex(MlKem768DecapsulationKey.fromSecretKey(v.dk!).decapsulate(v.c!))).toBe(hex(v.K!));
    }
  });

  test("modulus: every encapsulation key with a coefficient in [q, 4096) fails the modulus check", () => {
    const keys = gunzipSync(readFileSync(new URL("cctv-mlkem768-modulus.txt.gz", dir)))
      .toString("utf8")
      .split("\n")
      .filter((l) => l.trim() !== "");
    expect(keys.length).toBeGreaterThan(700);
    for (const line of keys) {
      const ek = unhex(line.trim());
      expect(ek.length).toBe(1184);
      let error: unknown;
      try {
        mlKem768Encapsulate(ek);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DtlsError);
      expect((error as DtlsError).code).toBe("ERR_DTLS_MALFORMED");
    }
  });

  test("Wycheproof mlkem_768_test: keys from seeds, decapsulation of valid, random and flipped ciphertexts", () => {
    const tests = wycheproof("wycheproof-mlkem_768_test.json.gz");
    expect(tests.length).toBe(193);
    for (const t of tests) {
      const seed = unhex(t.seed!);
      const c = unhex(t.c!);
      let got: string;
      try {
        const { key, publicKey } = MlKem768DecapsulationKey.generate(seed);
        expect(hex(publicKey), `tcId ${t.tcId}`).toBe(t.ek);
        got = hex(key.decapsulate(c));
      } catch (e) {
        expect(e, `tcId ${t.tcId}`).toBeInstanceOf(DtlsError);
        got = "invalid";
      }
      expect(got, `tcId ${t.tcId} (${t.comment ?? t.flags})`).toBe(t.result === "valid" ? t.K : "invalid");
    }
  });

  test("Wycheproof semi-expanded decapsulation: wrong lengths, a corrupted hash or embedded ek are refused", () => {
    const tests = wycheproof("wycheproof-mlkem_768_semi_expanded_decaps_test.json.gz");
    expect(tests.length).toBe(9);
    for (const t of tests) {
      let got: string;
      try {
        got = hex(mlKem768Decapsulate(unhex(t.c!), unhex(t.dk!)));
      } catch (e) {
        expect(e, `tcId ${t.tcId}`).toBeInstanceOf(DtlsError);
        got = "invalid";
      }
      expect(got, `tcId ${t.tcId} (${t.comment})`).toBe(t.result === "valid" ? t.K : "invalid");
    }
  });
});
