import { SrtpError } from "./errors.js";

/**
 * SRTP protection profile names as DTLS-SRTP negotiates them (RFC 5764 §4.1.2, RFC 7714 §14.2); the same
 * strings as @purertc/dtls's `SrtpProfileName`.
 */
export type SrtpProfileName =
  | "SRTP_AES128_CM_HMAC_SHA1_80"
  | "SRTP_AES128_CM_HMAC_SHA1_32"
  | "SRTP_AEAD_AES_128_GCM"
  | "SRTP_AEAD_AES_256_GCM";

/** The transform parameters of one profile. */
export interface SrtpProfileParameters {
  /** The DTLS use_srtp profile id (RFC 5764 §4.1.2, RFC 7714 §14.2). */
  readonly id: number;
  /** `aes-cm` (RFC 3711 §4.1.1 with HMAC-SHA1) or `aead-gcm` (RFC 7714). */
  readonly kind: "aes-cm" | "aead-gcm";
  /** Master and session encryption key length in bytes. */
  readonly keyLength: number;
  /** Master and session salt length in bytes. */
  readonly saltLength: number;
  /** SRTP authentication tag length in bytes. */
  readonly rtpTagLength: number;
  /** SRTCP authentication tag length in bytes (80 bits even for `_32`, RFC 5764 §4.1.2). */
  readonly rtcpTagLength: number;
}

/** Every supported profile by name. */
export const SRTP_PROFILES: Readonly<Record<SrtpProfileName, SrtpProfileParameters>> = {
  SRTP_AES128_CM_HMAC_SHA1_80: {
    id: 0x0001,
    kind: "aes-cm",
    keyLength: 16,
    saltLength: 14,
    rtpTagLength: 10,
    rtcpTagLength: 10,
  },
  SRTP_AES128_CM_HMAC_SHA1_32: {
    id: 0x0002,
    kind: "aes-cm",
    keyLength: 16,
    saltLength: 14,
    rtpTagLength: 4,
    rtcpTagLength: 10,
  },
  SRTP_AEAD_AES_128_GCM: {
    id: 0x0007,
    kind: "aead-gcm",
    keyLength: 16,
    saltLength: 12,
    rtpTagLength: 16,
    rtcpTagLength: 16,
  },
  SRTP_AEAD_AES_256_GCM: {
    id: 0x0008,
    kind: "aead-gcm",
    keyLength: 32,
    saltLength: 12,
    rtpTagLength: 16,
    rtcpTagLength: 16,
  },
};

/** The parameters of a profile; throws `ERR_INVALID_ARGUMENT` for an unknown name. */
export function srtpProfile(name: SrtpProfileName): SrtpProfileParameters {
  const p = (SRTP_PROFILES as Record<string, SrtpProfileParameters | undefined>)[name];
  if (p === undefined) throw new SrtpError("ERR_INVALID_ARGUMENT", `unknown SRTP profile ${String(name)}`);
  return p;
}

/** The profile name of a DTLS use_srtp id, or undefined when it is not supported. */
export function srtpProfileById(id: number): SrtpProfileName | undefined {
  for (const [name, p] of Object.entries(SRTP_PROFILES)) if (p.id === id) return name as SrtpProfileName;
  return undefined;
}
