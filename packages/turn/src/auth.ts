import {
  type EncodeOptions,
  StunKey as Key,
  type LongTermAlgorithm,
  PasswordAlgorithm,
  type PasswordAlgorithmValue,
  type StunKey,
  type StunMessage,
  type StunMessageBuilder,
} from "@purertc/stun";

/** The "nonce cookie" of RFC 8489 §9.2: a NONCE starting with it carries the STUN Security Features. */
export const NONCE_COOKIE = "obMatJos2";
/** STUN Security Feature bit "Password algorithms" (RFC 8489 §18.1; bit 0 is the least significant, per erratum 6268). */
export const FEATURE_PASSWORD_ALGORITHMS = 0x000001;

/**
 * The STUN Security Features of a NONCE (RFC 8489 §9.2): the 24 bits encoded
 * in the 4 base64 characters after the nonce cookie, or undefined when the
 * nonce has no cookie (a server of RFC 5389, such as coturn).
 */
export function securityFeatures(nonce: string): number | undefined {
  if (!nonce.startsWith(NONCE_COOKIE) || nonce.length < NONCE_COOKIE.length + 4) return undefined;
  const text = nonce.slice(NONCE_COOKIE.length, NONCE_COOKIE.length + 4);
  if (!/^[A-Za-z0-9+/]{4}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, "base64");
  return (bytes[0]! << 16) | (bytes[1]! << 8) | bytes[2]!;
}

/** What to do after an error response to an authenticated exchange. */
export type ChallengeOutcome =
  /** Retry the request with the new REALM/NONCE (and algorithm). */
  | { retry: true }
  /** Do not retry: the credentials are refused, or the challenge is unusable. */
  | { retry: false; reason: string };

const ALGORITHM_NUMBER: Record<LongTermAlgorithm, number> = {
  md5: PasswordAlgorithm.MD5,
  sha256: PasswordAlgorithm.SHA256,
};

/**
 * The long-term credential mechanism from the client side (RFC 8489 §9.2):
 * learns REALM and NONCE from a 401, picks the password algorithm the server
 * offers (MD5 or SHA-256, §9.2.4), signs requests and checks responses.
 *
 * With a server of RFC 5389 (no nonce cookie, no PASSWORD-ALGORITHMS) the key
 * is MD5 and requests carry MESSAGE-INTEGRITY; when the server offers
 * PASSWORD-ALGORITHMS the client echoes the list, names its choice in
 * PASSWORD-ALGORITHM, and signs with MESSAGE-INTEGRITY-SHA256 only.
 */
export class LongTermAuth {
  /** REALM from the last challenge. */
  realm: string | undefined;
  /** NONCE from the last challenge (or 438). */
  nonce: string | undefined;
  /** The algorithm of the key in use. */
  algorithm: LongTermAlgorithm = "md5";
  /** The server's PASSWORD-ALGORITHMS, echoed in every request once seen (downgrade protection, §9.2.4). */
  private offered: PasswordAlgorithmValue[] | undefined;
  private chosen: PasswordAlgorithmValue | undefined;
  private key: StunKey | undefined;
  /** Consecutive challenges since the last success: bounds retry loops. */
  private challenges = 0;

  /**
   * @param username - the TURN username
   * @param password - the TURN password
   * @param allowed - algorithms the client accepts, in preference order is the server's (§9.2.4)
   * @param maxChallenges - how many 401/438 in a row before giving up
   */
  constructor(
    readonly username: string,
    private readonly password: string,
    private readonly allowed: readonly LongTermAlgorithm[] = ["md5", "sha256"],
    private readonly maxChallenges = 4,
  ) {}

  /** True once a REALM and NONCE are known, so requests can be signed. */
  get ready(): boolean {
    return this.key !== undefined;
  }

  /** The key in use, once {@link LongTermAuth.ready}. */
  get currentKey(): StunKey | undefined {
    return this.key;
  }

  /**
   * Learns from a 401 or 438 error response (RFC 8489 §9.2.5) and tells
   * whether a retry makes sense. `signed` says whether the request that got
   * it carried credentials.
   */
  challenge(response: StunMessage, status: number, signed: boolean): ChallengeOutcome {
    if (++this.challenges > this.maxChallenges) {
      return { retry: false, reason: `${this.challenges - 1} challenges in a row` };
    }
    const nonce = response.nonce;
    const realm = response.realm;
    if (status === 438) {
      if (nonce === undefined) return { retry: false, reason: "438 without NONCE" };
      if (realm !== undefined && this.realm !== undefined && realm !== this.realm) {
        return this.learn(response, realm, nonce);
      }
      this.nonce = nonce;
      if (!this.key) return this.learn(response, realm ?? this.realm ?? "", nonce);
      return { retry: true };
    }
    // 401
    if (nonce === undefined || realm === undefined)
      return { retry: false, reason: "401 without REALM and NONCE" };
    // A 401 to a signed request means the credentials were refused, unless
    // the server moved on to another nonce or realm (some servers send 401
    // rather than 438 for an expired nonce).
    if (signed && nonce === this.nonce && realm === this.realm) {
      return { retry: false, reason: "the server refused the credentials (401)" };
    }
    return this.learn(response, realm, nonce);
  }

  private learn(response: StunMessage, realm: string, nonce: string): ChallengeOutcome {
    const features = securityFeatures(nonce);
    let offered: PasswordAlgorithmValue[] | undefined;
    try {
      offered = response.passwordAlgorithms;
    } catch {
      return { retry: false, reason: "malformed PASSWORD-ALGORITHMS" };
    }
    if (features !== undefined && features & FEATURE_PASSWORD_ALGORITHMS) {
      // §9.2.5: the bit without the attribute is a downgrade attempt.
      if (!offered || offered.length === 0) {
        return {
          retry: false,
          reason: "nonce cookie announces password algorithms but none are listed (RFC 8489 §9.2.5)",
        };
      }
      // The first the server lists that the client supports (§9.2.4).
      const pick = offered.find((o) =>
        this.allowed.some((a) => ALGORITHM_NUMBER[a] === o.algorithm && o.parameters.length === 0),
      );
      if (!pick) return { retry: false, reason: "no password algorithm in common (RFC 8489 §9.2.4)" };
      this.offered = offered;
      this.chosen = pick;
      this.algorithm = pick.algorithm === PasswordAlgorithm.SHA256 ? "sha256" : "md5";
    } else {
      if (!this.allowed.includes("md5")) return { retry: false, reason: "the server offers MD5 only" };
      this.offered = undefined;
      this.chosen = undefined;
      this.algorithm = "md5";
    }
    this.realm = realm;
    this.nonce = nonce;
    this.key = Key.longTerm(this.username, realm, this.password, this.algorithm);
    return { retry: true };
  }

  /** A success (or a non-challenge answer) arrived: the retry budget starts over. */
  succeeded(): void {
    this.challenges = 0;
  }

  /**
   * Adds USERNAME, REALM, NONCE (and PASSWORD-ALGORITHMS/PASSWORD-ALGORITHM
   * when negotiated) to a request and returns the encode options that sign it.
   * Before the first challenge it adds nothing (the first Allocate goes
   * unsigned to learn the realm, §9.2.3).
   */
  sign(builder: StunMessageBuilder): EncodeOptions {
    if (!this.key || this.realm === undefined || this.nonce === undefined) return { fingerprint: true };
    builder.username(this.username).realm(this.realm).nonce(this.nonce);
    if (this.offered && this.chosen) {
      builder.passwordAlgorithms(this.offered).passwordAlgorithm(this.chosen);
      return { integritySha256: this.key, fingerprint: true };
    }
    return { integrity: this.key, fingerprint: true };
  }

  /**
   * True when a response is authenticated by the current key (§9.2.5):
   * MESSAGE-INTEGRITY-SHA256 when the server offered algorithms, else
   * MESSAGE-INTEGRITY (SHA-256 is accepted too when present).
   */
  verify(response: StunMessage): boolean {
    const key = this.key;
    if (!key) return false;
    try {
      if (response.hasFingerprint && !response.checkFingerprint()) return false;
      if (response.hasIntegritySha256) return response.checkIntegritySha256(key);
      if (this.offered) return false;
      return response.hasIntegrity && response.checkIntegrity(key);
    } catch {
      return false;
    }
  }
}
