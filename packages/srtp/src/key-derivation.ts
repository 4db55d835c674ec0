import { createCipheriv } from "node:crypto";
import { SrtpError } from "./errors.js";
import { type SrtpProfileName, srtpProfile } from "./profiles.js";

/** Key derivation labels, RFC 3711 §4.3.1 (SRTP) and §4.3.2 (SRTCP). */
export const KdfLabel = {
  RtpEncryption: 0x00,
  RtpAuthentication: 0x01,
  RtpSalt: 0x02,
  RtcpEncryption: 0x03,
  RtcpAuthentication: 0x04,
  RtcpSalt: 0x05,
} as const;

/** HMAC-SHA1 session authentication key length (n_a = 160 bits, RFC 3711 §5.2). */
export const AUTH_KEY_LENGTH = 20;

/**
 * The AES-CM PRF of RFC 3711 §4.3.3 with key_derivation_rate 0 (what DTLS-SRTP uses, RFC 5764 §4.2), so
 * `index DIV kdr` is zero: x = (label << 48) XOR master_salt, and the output is the AES-CM keystream
 * from IV = x × 2^16 under the master key. A 32-byte master key uses AES-256 (the AES_256_CM_PRF of
 * RFC 6188 §3, which RFC 7714 §11 names for AEAD_AES_256_GCM). A 12-byte (GCM) master salt is padded
 * with zeros on the right to the 14 bytes the PRF reads, as libsrtp and pion do.
 */
export function aesCmPrf(
  masterKey: Uint8Array,
  masterSalt: Uint8Array,
  label: number,
  length: number,
): Uint8Array {
  if (masterKey.length !== 16 && masterKey.length !== 32) {
    throw new SrtpError("ERR_INVALID_ARGUMENT", `master key must be 16 or 32 bytes, got ${masterKey.length}`);
  }
  if (masterSalt.length > 14) {
    throw new SrtpError(
      "ERR_INVALID_ARGUMENT",
      `master salt must be at most 14 bytes, got ${masterSalt.length}`,
    );
  }
  const blocks = Math.ceil(length / 16);
  const input = new Uint8Array(blocks * 16);
  for (let b = 0; b < blocks; b++) {
    const o = b * 16;
    input.set(masterSalt, o);
    input[o + 7]! ^= label;
    input[o + 14] = (b >>> 8) & 0xff;
    input[o + 15] = b & 0xff;
  }
  const cipher = createCipheriv(masterKey.length === 32 ? "aes-256-ecb" : "aes-128-ecb", masterKey, null);
  cipher.setAutoPadding(false);
  const out = new Uint8Array(cipher.update(input)).subarray(0, length);
  cipher.final();
  return out;
}

/** One stream kind's session keys (RTP or RTCP). */
export interface SessionKeys {
  /** Session encryption key k_e. */
  encryptionKey: Uint8Array;
  /** Session salt k_s. */
  salt: Uint8Array;
  /** Session authentication key k_a (HMAC-SHA1; empty for AEAD profiles, which have none, RFC 7714 §11). */
  authenticationKey: Uint8Array;
}

/** Derives the SRTP and SRTCP session keys of a profile from a master key and salt (RFC 3711 §4.3). */
export function deriveSessionKeys(
  profile: SrtpProfileName,
  masterKey: Uint8Array,
  masterSalt: Uint8Array,
): { rtp: SessionKeys; rtcp: SessionKeys } {
  const p = srtpProfile(profile);
  if (masterKey.length !== p.keyLength || masterSalt.length !== p.saltLength) {
    throw new SrtpError(
      "ERR_INVALID_ARGUMENT",
      `${profile} needs a ${p.keyLength}-byte master key and a ${p.saltLength}-byte master salt, got ${masterKey.length} and ${masterSalt.length}`,
    );
  }
  const authLength = p.kind === "aes-cm" ? AUTH_KEY_LENGTH : 0;
  const derive = (enc: number, auth: number, salt: number): SessionKeys => ({
    encryptionKey: aesCmPrf(masterKey, masterSalt, enc, p.keyLength),
    salt: aesCmPrf(masterKey, masterSalt, salt, p.saltLength),
    authenticationKey: authLength ? aesCmPrf(masterKey, masterSalt, auth, authLength) : new Uint8Array(0),
  });
  return {
    rtp: derive(KdfLabel.RtpEncryption, KdfLabel.RtpAuthentication, KdfLabel.RtpSalt),
    rtcp: derive(KdfLabel.RtcpEncryption, KdfLabel.RtcpAuthentication, KdfLabel.RtcpSalt),
  };
}
