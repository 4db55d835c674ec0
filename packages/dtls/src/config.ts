import type { DtlsCertificate } from "./certificate.js";
import { normalizeFingerprint } from "./certificate.js";
import { CIPHER_SUITES, type CipherSuite, cipherSuiteByName } from "./crypto/cipher-suites.js";
import { CIPHER_SUITES_13, type CipherSuite13, cipherSuite13ByName } from "./crypto/cipher-suites13.js";
import type { CookieAuthority } from "./crypto/cookie.js";
import {
  DEFAULT_GROUPS,
  DEFAULT_SIGNATURE_SCHEMES,
  type NamedGroup,
  type SignatureScheme,
} from "./crypto/groups.js";
import { defaultMlKemPool, type MlKemKeyPool } from "./crypto/mlkem-pool.js";
import { nodeCrypto } from "./crypto/node-crypto.js";
import type { PublicKeyCrypto } from "./crypto/public-key.js";
import { DtlsError } from "./errors.js";
import type { SrtpProfileName } from "./extensions/use-srtp.js";

/** A DTLS protocol version this stack speaks. */
export type DtlsVersion = "1.2" | "1.3";

const ALL_VERSIONS: readonly DtlsVersion[] = Object.freeze(["1.3", "1.2"]);

/** Handshake and record options shared by client and server. */
export interface DtlsOptions {
  /**
   * Versions to offer (client) or accept (server). Default both: DTLS 1.3
   * (RFC 9147) when the peer offers it, DTLS 1.2 otherwise.
   */
  versions?: readonly DtlsVersion[];
  /** Our certificate (see {@link DtlsCertificate.generate}). Required. */
  certificate: DtlsCertificate;
  /**
   * Expected peer certificate fingerprint(s) as in the SDP (`sha-256 AB:…`;
   * sha-1, sha-224, sha-384 and sha-512 too, RFC 8122 §5). The certificate
   * must match one of them. A peer presenting another fails the handshake with
   * `bad_certificate`. Either this or `acceptAnyPeerCertificate` is required:
   * verification is on by default.
   */
  peerFingerprint?: string | readonly string[];
  /** Accept any peer certificate (its fingerprint is still exposed). Default false. */
  acceptAnyPeerCertificate?: boolean;
  /**
   * Cipher suites by IANA name, in preference order: DTLS 1.2 suites
   * (`TLS_ECDHE_…`) and DTLS 1.3 suites (`TLS_AES_128_GCM_SHA256`,
   * `TLS_AES_256_GCM_SHA384`, `TLS_CHACHA20_POLY1305_SHA256`). A version left
   * without a suite is not offered. Default: all supported.
   */
  cipherSuites?: readonly string[];
  /**
   * Key exchange groups in preference order. Default X25519MLKEM768 (DTLS 1.3
   * only), x25519, P-256, P-384.
   */
  groups?: readonly NamedGroup[];
  /** Signature schemes in preference order. */
  signatureSchemes?: readonly SignatureScheme[];
  /** SRTP profiles to offer or accept (use_srtp, RFC 5764). Default none. */
  srtpProfiles?: readonly SrtpProfileName[];
  /** Require extended_master_secret (RFC 7627). Default true. */
  requireExtendedMasterSecret?: boolean;
  /** Server: ask for and require a client certificate (WebRTC is mutual). Default true. */
  requireClientCertificate?: boolean;
  /** Largest datagram sent; handshake messages are fragmented to fit. Default 1200. */
  mtu?: number;
  /** First retransmission timeout. Default 1000 ms (RFC 6347 §4.2.4.1). */
  retransmitInitialMs?: number;
  /** Retransmission timeout cap. Default 60 000 ms. */
  retransmitMaxMs?: number;
  /** Total time allowed for the handshake. Default 30 000 ms. */
  handshakeTimeoutMs?: number;
  /**
   * Once connected, close with `ERR_DTLS_TIMEOUT` (after a close_notify) when
   * no authenticated record has come from the peer for this long: a peer that
   * vanished without close_notify stops holding a connection (and a
   * {@link DtlsServer} slot). Default: never; over ICE, consent freshness
   * (RFC 7675) watches the peer instead.
   */
  idleTimeoutMs?: number;
  /**
   * DTLS 1.3: send a KeyUpdate (and move to the next epoch) after this many
   * records sent in one epoch. Default 2^40 (well within the AEAD limits).
   */
  keyUpdateAfterRecords?: number;
  /** Public-key implementation. Default {@link nodeCrypto}. */
  crypto?: PublicKeyCrypto;
  /**
   * DTLS 1.3 client offering X25519MLKEM768: where its ML-KEM-768 key pairs
   * come from. Default a process-wide {@link MlKemKeyPool} (pairs made ahead
   * in idle time, each used once); `false` makes each pair at hello time.
   */
  mlkemPool?: MlKemKeyPool | false;
}

const NO_SRTP: readonly SrtpProfileName[] = Object.freeze([]);

/** Options resolved to their defaults; what the handshake uses. */
export interface ResolvedConfig {
  certificate: DtlsCertificate;
  peerFingerprints: string[] | undefined;
  // Read-only: connections share the default lists instead of copying them each.
  cipherSuites: readonly CipherSuite[];
  cipherSuites13: readonly CipherSuite13[];
  /** Which versions are enabled. */
  v12: boolean;
  v13: boolean;
  /** DTLS 1.3: send a KeyUpdate after this many records in one epoch. */
  keyUpdateAfterRecords: number;
  groups: readonly NamedGroup[];
  signatureSchemes: readonly SignatureScheme[];
  srtpProfiles: readonly SrtpProfileName[];
  requireExtendedMasterSecret: boolean;
  requireClientCertificate: boolean;
  mtu: number;
  retransmitInitialMs: number;
  retransmitMaxMs: number;
  handshakeTimeoutMs: number;
  idleTimeoutMs: number | undefined;
  crypto: PublicKeyCrypto;
  /** Where a hybrid client share's ML-KEM key pair comes from (undefined: made at hello time). */
  mlkemPool: MlKemKeyPool | undefined;
  cookies: CookieAuthority | undefined;
  /** The peer's `ip:port` (or another stable id) the cookie is bound to. */
  remoteId: string;
}

/** Validates options and fills in defaults; throws `ERR_DTLS_CONFIG`. */
export function resolveConfig(
  o: DtlsOptions,
  extra: { cookies?: CookieAuthority; remoteId?: string } = {},
): ResolvedConfig {
  if (!o?.certificate) throw new DtlsError("ERR_DTLS_CONFIG", "a certificate is required");
  let peerFingerprints: string[] | undefined;
  if (o.peerFingerprint !== undefined) {
    const list = typeof o.peerFingerprint === "string" ? [o.peerFingerprint] : [...o.peerFingerprint];
    peerFingerprints = list.map(normalizeFingerprint);
  } else if (!o.acceptAnyPeerCertificate) {
    throw new DtlsError(
      "ERR_DTLS_CONFIG",
      "peer verification is on: give peerFingerprint (from the SDP) or set acceptAnyPeerCertificate",
    );
  }
  let cipherSuites: readonly CipherSuite[] = CIPHER_SUITES;
  let cipherSuites13: readonly CipherSuite13[] = CIPHER_SUITES_13;
  if (o.cipherSuites) {
    const twelve: CipherSuite[] = [];
    const thirteen: CipherSuite13[] = [];
    for (const n of o.cipherSuites) {
      const s = cipherSuiteByName(n);
      const s13 = cipherSuite13ByName(n);
      if (s) twelve.push(s);
      else if (s13) thirteen.push(s13);
      else throw new DtlsError("ERR_DTLS_CONFIG", `cipher suite ${n} is not supported`);
    }
    cipherSuites = twelve;
    cipherSuites13 = thirteen;
  }
  const versions = o.versions ?? ALL_VERSIONS;
  for (const v of versions)
    if (v !== "1.2" && v !== "1.3")
      throw new DtlsError("ERR_DTLS_CONFIG", `version ${String(v)} is not supported`);
  const v12 = versions.includes("1.2") && cipherSuites.length > 0;
  const v13 = versions.includes("1.3") && cipherSuites13.length > 0;
  if (!v12 && !v13)
    throw new DtlsError("ERR_DTLS_CONFIG", "no version left to offer (check versions and cipherSuites)");
  const keyUpdateAfterRecords = o.keyUpdateAfterRecords ?? 2 ** 40;
  if (!Number.isInteger(keyUpdateAfterRecords) || keyUpdateAfterRecords < 1)
    throw new DtlsError("ERR_DTLS_CONFIG", `keyUpdateAfterRecords ${keyUpdateAfterRecords} out of range`);
  const mtu = o.mtu ?? 1200;
  if (!Number.isInteger(mtu) || mtu < 200 || mtu > 65_507)
    throw new DtlsError("ERR_DTLS_CONFIG", `mtu ${mtu} out of range`);
  const idle = o.idleTimeoutMs;
  if (idle !== undefined && !(Number.isFinite(idle) && idle > 0 && idle <= 2 ** 31 - 1))
    throw new DtlsError("ERR_DTLS_CONFIG", `idleTimeoutMs ${idle} out of range (1 ms to about 24 days)`);
  return {
    certificate: o.certificate,
    peerFingerprints,
    cipherSuites,
    cipherSuites13,
    v12,
    v13,
    keyUpdateAfterRecords,
    groups: o.groups ? [...o.groups] : DEFAULT_GROUPS,
    signatureSchemes: o.signatureSchemes ? [...o.signatureSchemes] : DEFAULT_SIGNATURE_SCHEMES,
    srtpProfiles: o.srtpProfiles ? [...o.srtpProfiles] : NO_SRTP,
    requireExtendedMasterSecret: o.requireExtendedMasterSecret ?? true,
    requireClientCertificate: o.requireClientCertificate ?? true,
    mtu,
    retransmitInitialMs: o.retransmitInitialMs ?? 1000,
    retransmitMaxMs: o.retransmitMaxMs ?? 60_000,
    handshakeTimeoutMs: o.handshakeTimeoutMs ?? 30_000,
    idleTimeoutMs: idle,
    crypto: o.crypto ?? nodeCrypto,
    mlkemPool: o.mlkemPool === false ? undefined : (o.mlkemPool ?? defaultMlKemPool()),
    cookies: extra.cookies,
    remoteId: extra.remoteId ?? "peer",
  };
}
