import { SrtpError } from "./errors.js";
import { type SrtpProfileName, srtpProfile } from "./profiles.js";

/** One direction's master key and salt. */
export interface SrtpMasterKeys {
  masterKey: Uint8Array;
  masterSalt: Uint8Array;
}

/** Both directions' keys, as the DTLS exporter splits them. */
export interface DtlsSrtpKeys {
  /** What the DTLS client protects with (and the server unprotects with). */
  client: SrtpMasterKeys;
  /** What the DTLS server protects with (and the client unprotects with). */
  server: SrtpMasterKeys;
}

/**
 * Bytes to ask of the DTLS exporter (label "EXTRACTOR-dtls_srtp", no context) for a profile:
 * 2 × (key + salt), RFC 5764 §4.2.
 */
export function dtlsSrtpKeyingMaterialLength(profile: SrtpProfileName): number {
  const p = srtpProfile(profile);
  return 2 * (p.keyLength + p.saltLength);
}

/**
 * Splits the DTLS-SRTP exporter output into the client's and the server's master key and salt
 * (RFC 5764 §4.2: client_write_SRTP_master_key | server_write_SRTP_master_key |
 * client_write_SRTP_master_salt | server_write_SRTP_master_salt). The returned arrays are copies.
 */
export function splitDtlsSrtpKeyingMaterial(profile: SrtpProfileName, material: Uint8Array): DtlsSrtpKeys {
  const p = srtpProfile(profile);
  const k = p.keyLength;
  const s = p.saltLength;
  if (material.length !== 2 * (k + s)) {
    throw new SrtpError(
      "ERR_INVALID_ARGUMENT",
      `${profile} needs ${2 * (k + s)} bytes of keying material, got ${material.length} (RFC 5764 §4.2)`,
    );
  }
  // new Uint8Array(view) copies (Buffer#slice would not).
  const copy = (from: number, to: number) => new Uint8Array(material.subarray(from, to));
  return {
    client: { masterKey: copy(0, k), masterSalt: copy(2 * k, 2 * k + s) },
    server: { masterKey: copy(k, 2 * k), masterSalt: copy(2 * k + s, 2 * k + 2 * s) },
  };
}
