import { Reader, u16List, Writer } from "../bytes.js";

/** SRTP protection profiles (RFC 5764 §4.1.2, RFC 7714 §14.2). */
export const SrtpProfile = {
  SRTP_AES128_CM_HMAC_SHA1_80: 0x0001,
  SRTP_AES128_CM_HMAC_SHA1_32: 0x0002,
  SRTP_AEAD_AES_128_GCM: 0x0007,
  SRTP_AEAD_AES_256_GCM: 0x0008,
} as const;

/** Names of the SRTP profiles this stack negotiates. */
export type SrtpProfileName = "SRTP_AES128_CM_HMAC_SHA1_80" | "SRTP_AEAD_AES_128_GCM";

/** Default offered profiles, in preference order. */
export const DEFAULT_SRTP_PROFILES: readonly SrtpProfileName[] = [
  "SRTP_AEAD_AES_128_GCM",
  "SRTP_AES128_CM_HMAC_SHA1_80",
];

const names = new Map<number, SrtpProfileName>([
  [0x0001, "SRTP_AES128_CM_HMAC_SHA1_80"],
  [0x0007, "SRTP_AEAD_AES_128_GCM"],
]);

/** The name of a supported profile id. */
export function srtpProfileName(id: number): SrtpProfileName | undefined {
  return names.get(id);
}

/** Keying material length of a profile: 2 × (key + salt), RFC 5764 §4.2. */
export function srtpKeyingMaterialLength(name: SrtpProfileName): number {
  return name === "SRTP_AEAD_AES_128_GCM" ? 2 * (16 + 12) : 2 * (16 + 14);
}

/** use_srtp extension data. */
export interface UseSrtp {
  profiles: number[];
  mki: Uint8Array;
}

/** Parses use_srtp (RFC 5764 §4.1.1). */
export function parseUseSrtp(data: Uint8Array): UseSrtp {
  const r = new Reader(data, "use_srtp");
  const profiles = u16List(r.vec16(2, 0xfffe), "use_srtp");
  const mki = r.vec8();
  r.end();
  return { profiles, mki };
}

/** Encodes use_srtp. */
export function encodeUseSrtp(v: UseSrtp): Uint8Array {
  return new Writer(8 + v.profiles.length * 2).u16List16(v.profiles).vec8(v.mki).finish();
}
