/**
 * @purertc/dtls: DTLS 1.3 (RFC 9147, with X25519MLKEM768) and DTLS 1.2 client
 * and server for WebRTC (RFC 6347, RFC 5764, RFC 8827) over any {@link DatagramTransport}.
 * @packageDocumentation
 */
export { type Alert, AlertDescription, AlertLevel, alertName } from "./alert.js";
export {
  type CertificateKeyType,
  certificateFingerprint,
  DtlsCertificate,
  type FingerprintAlgorithm,
  type GenerateCertificateOptions,
  matchesAnyFingerprint,
  normalizeFingerprint,
} from "./certificate.js";
export { CertificatePool, defaultCertificatePool } from "./certificate-pool.js";
export { type ConnectDtlsOptions, connectDtls } from "./client.js";
export type { DtlsOptions, DtlsVersion } from "./config.js";
export {
  DtlsConnection,
  type DtlsConnectionEvents,
  type DtlsConnectionOptions,
  type DtlsConnectionState,
  type DtlsConnectionStats,
} from "./connection.js";
export { CIPHER_SUITES, type CipherSuite, type CipherSuiteName } from "./crypto/cipher-suites.js";
export {
  CIPHER_SUITES_13,
  type CipherSuite13,
  type CipherSuite13Name,
} from "./crypto/cipher-suites13.js";
export { CookieAuthority } from "./crypto/cookie.js";
export { NamedGroup, type NamedGroupName, SignatureScheme } from "./crypto/groups.js";
export { defaultMlKemPool, type MlKemKeyPair, MlKemKeyPool } from "./crypto/mlkem-pool.js";
export {
  MlKem768DecapsulationKey,
  type MlKem768Encapsulation,
  type MlKem768KeyPair,
  mlKem768Decapsulate,
  mlKem768Encapsulate,
} from "./crypto/mlkem768/index.js";
export { nobleCrypto } from "./crypto/noble-crypto.js";
export { nodeCrypto } from "./crypto/node-crypto.js";
export type { KeyShare, PublicKeyCrypto } from "./crypto/public-key.js";
export { DtlsError, type DtlsErrorCode } from "./errors.js";
export {
  DEFAULT_SRTP_PROFILES,
  type SrtpProfileName,
  srtpKeyingMaterialLength,
} from "./extensions/use-srtp.js";
export { IdlePool, type IdlePoolStats } from "./idle-pool.js";
export { DtlsServer, type DtlsServerEvents, type DtlsServerOptions } from "./server.js";
