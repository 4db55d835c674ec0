import { createHash } from "node:crypto";
import { Sha1HmacKey } from "./crypto/sha1.js";
import { StunError } from "./errors.js";

/** Algorithm of a long-term key (RFC 8489 §9.2.2, §18.5). */
export type LongTermAlgorithm = "md5" | "sha256";

/**
 * How a password (and realm) is prepared before hashing.
 * - `"saslprep"` (default): SASLprep (RFC 4013) as RFC 5389 and the RFC 5769
 *   test vectors use it; for ASCII it is the identity, as is OpaqueString.
 * - `"opaque"`: the OpaqueString profile of RFC 8265 that RFC 8489 names (NFC).
 * - `"none"`: the string's UTF-8 bytes unchanged.
 */
export type StringPrep = "saslprep" | "opaque" | "none";

// RFC 3454 table B.1: "commonly mapped to nothing".
function mappedToNothing(c: number): boolean {
  return (
    c === 0xad ||
    c === 0x34f ||
    c === 0x1806 ||
    (c >= 0x180b && c <= 0x180d) ||
    (c >= 0x200b && c <= 0x200d) ||
    c === 0x2060 ||
    (c >= 0xfe00 && c <= 0xfe0f) ||
    c === 0xfeff
  );
}
// RFC 3454 table C.1.2: non-ASCII spaces, mapped to U+0020.
const NON_ASCII_SPACE = /[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000]/g;
// Prohibited output (controls, private use, surrogates, non-characters), simplified.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what is prohibited
const PROHIBITED = /[\u0000-\u001f\u007f-\u009f\ue000-\uf8ff\ufff9-\ufffd]/;

/** Prepares a string as RFC 4013 (SASLprep) or RFC 8265 (OpaqueString) say. */
export function prepareString(value: string, prep: StringPrep = "saslprep"): string {
  if (prep === "none") return value;
  // Pure printable ASCII is unchanged by both profiles: the common case.
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  let out: string;
  if (prep === "saslprep") {
    out = [...value.replace(NON_ASCII_SPACE, " ")]
      .filter((ch) => !mappedToNothing(ch.codePointAt(0)!))
      .join("")
      .normalize("NFKC");
  } else {
    out = value.replace(NON_ASCII_SPACE, " ").normalize("NFC");
  }
  if (PROHIBITED.test(out)) {
    throw new StunError("ERR_INVALID_ARGUMENT", `string contains a prohibited character (RFC 4013 §2.3)`);
  }
  return out;
}

const utf8 = new TextEncoder();

/**
 * A MESSAGE-INTEGRITY key, with what the HMAC needs precomputed. Make one
 * per credential and reuse it: that is what makes integrity cheap.
 *
 * ```ts
 * const key = StunKey.shortTerm("remote-ice-pwd");            // ICE
 * const lt = StunKey.longTerm("user", "example.org", "pass");  // TURN
 * ```
 */
export class StunKey {
  /** The key bytes the HMACs use. */
  readonly bytes: Uint8Array;
  private sha1: Sha1HmacKey | undefined;

  /** A key of these exact bytes. */
  constructor(bytes: Uint8Array) {
    this.bytes = new Uint8Array(bytes);
  }

  /** Short-term credential key: the prepared password itself (RFC 8489 §9.1.1). */
  static shortTerm(password: string, prep: StringPrep = "saslprep"): StunKey {
    return new StunKey(utf8.encode(prepareString(password, prep)));
  }

  /**
   * Long-term credential key (RFC 8489 §9.2.2):
   * `MD5(username ":" realm ":" password)` or the same with SHA-256, realm and
   * password prepared with `prep`.
   */
  static longTerm(
    username: string,
    realm: string,
    password: string,
    algorithm: LongTermAlgorithm = "md5",
    prep: StringPrep = "saslprep",
  ): StunKey {
    const input = `${username}:${prepareString(realm, prep)}:${prepareString(password, prep)}`;
    return new StunKey(createHash(algorithm).update(input, "utf8").digest());
  }

  /** @internal the HMAC-SHA1 pad states, computed on first use. */
  sha1Key(): Sha1HmacKey {
    this.sha1 ??= new Sha1HmacKey(this.bytes);
    return this.sha1;
  }
}

/**
 * USERHASH value: `SHA-256(username ":" realm)` with both prepared
 * (RFC 8489 §14.4).
 */
export function userhash(username: string, realm: string, prep: StringPrep = "opaque"): Uint8Array {
  const input = `${prepareString(username, prep)}:${prepareString(realm, prep)}`;
  return new Uint8Array(createHash("sha256").update(input, "utf8").digest());
}
