import { getCiphers } from "node:crypto";
import type { AeadAlgorithm } from "../record/aead.js";
import type { HmacHash } from "./hmac.js";

/** Names of the DTLS 1.3 cipher suites (RFC 8446 §B.4). */
export type CipherSuite13Name =
  | "TLS_AES_128_GCM_SHA256"
  | "TLS_AES_256_GCM_SHA384"
  | "TLS_CHACHA20_POLY1305_SHA256";

/** A DTLS 1.3 cipher suite: an AEAD and a hash; key exchange and signature are negotiated apart. */
export interface CipherSuite13 {
  id: number;
  name: CipherSuite13Name;
  aead: AeadAlgorithm;
  hash: HmacHash;
  keyLength: number;
}

const chacha = getCiphers().includes("chacha20-poly1305") && getCiphers().includes("chacha20");

const all: CipherSuite13[] = [
  { id: 0x1301, name: "TLS_AES_128_GCM_SHA256", aead: "aes-128-gcm", hash: "sha256", keyLength: 16 },
  { id: 0x1302, name: "TLS_AES_256_GCM_SHA384", aead: "aes-256-gcm", hash: "sha384", keyLength: 32 },
  {
    id: 0x1303,
    name: "TLS_CHACHA20_POLY1305_SHA256",
    aead: "chacha20-poly1305",
    hash: "sha256",
    keyLength: 32,
  },
];

/** The DTLS 1.3 suites available in this Node build, in default preference order. */
export const CIPHER_SUITES_13: readonly CipherSuite13[] = all.filter(
  (s) => chacha || s.aead !== "chacha20-poly1305",
);

/** The DTLS 1.3 suite with IANA code `id`, if supported. */
export function cipherSuite13ById(id: number): CipherSuite13 | undefined {
  return CIPHER_SUITES_13.find((s) => s.id === id);
}

/** The DTLS 1.3 suite named `name`, if supported. */
export function cipherSuite13ByName(name: string): CipherSuite13 | undefined {
  return CIPHER_SUITES_13.find((s) => s.name === name);
}
