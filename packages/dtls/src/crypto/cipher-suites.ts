import { getCiphers } from "node:crypto";
import type { AeadAlgorithm } from "../record/aead.js";
import type { PrfHash } from "./prf.js";

/** A cipher suite this stack implements. */
export interface CipherSuite {
  id: number;
  name: CipherSuiteName;
  /** Certificate key type the suite authenticates with. */
  auth: "ecdsa" | "rsa";
  aead: AeadAlgorithm;
  hash: PrfHash;
  keyLength: number;
  /** Implicit IV bytes from the key block (4 for GCM, 12 for ChaCha20-Poly1305). */
  ivLength: number;
}

/** Names of the supported cipher suites (IANA names). */
export type CipherSuiteName =
  | "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
  | "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
  | "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
  | "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
  | "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
  | "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256";

const chacha = getCiphers().includes("chacha20-poly1305");

const all: CipherSuite[] = [
  {
    id: 0xc02b,
    name: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    auth: "ecdsa",
    aead: "aes-128-gcm",
    hash: "sha256",
    keyLength: 16,
    ivLength: 4,
  },
  {
    id: 0xc02c,
    name: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    auth: "ecdsa",
    aead: "aes-256-gcm",
    hash: "sha384",
    keyLength: 32,
    ivLength: 4,
  },
  {
    id: 0xc02f,
    name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    auth: "rsa",
    aead: "aes-128-gcm",
    hash: "sha256",
    keyLength: 16,
    ivLength: 4,
  },
  {
    id: 0xc030,
    name: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    auth: "rsa",
    aead: "aes-256-gcm",
    hash: "sha384",
    keyLength: 32,
    ivLength: 4,
  },
  {
    id: 0xcca9,
    name: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    auth: "ecdsa",
    aead: "chacha20-poly1305",
    hash: "sha256",
    keyLength: 32,
    ivLength: 12,
  },
  {
    id: 0xcca8,
    name: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    auth: "rsa",
    aead: "chacha20-poly1305",
    hash: "sha256",
    keyLength: 32,
    ivLength: 12,
  },
];

/** The suites available in this Node build, in default preference order. */
export const CIPHER_SUITES: readonly CipherSuite[] = all.filter(
  (s) => chacha || s.aead !== "chacha20-poly1305",
);

const byId = new Map(CIPHER_SUITES.map((s) => [s.id, s]));
const byName = new Map(CIPHER_SUITES.map((s) => [s.name, s]));

/** The suite with IANA code `id`, if supported. */
export function cipherSuiteById(id: number): CipherSuite | undefined {
  return byId.get(id);
}

/** The suite named `name`, if supported. */
export function cipherSuiteByName(name: string): CipherSuite | undefined {
  return byName.get(name as CipherSuiteName);
}

/** TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 §3.3). */
export const EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff;
