import { equalBytes } from "../bytes.js";
import type { PeerCertificate } from "../certificate.js";
import type { ResolvedConfig } from "../config.js";
import { SignatureScheme as Schemes, type SignatureScheme, schemeKeyType } from "../crypto/groups.js";
import { certificateVerifyContent, type KeySchedule13 } from "../crypto/key-schedule13.js";
import { DtlsError } from "../errors.js";
import { encodeCertificateVerify, parseCertificateVerify } from "../handshake/certificate-verify.js";

/**
 * The authentication messages of DTLS 1.3 (RFC 8446 §4.4) as both sides write
 * and check them: the scheme and signature of a CertificateVerify, and Finished.
 */

type Role = "client" | "server";

/** {@link schemes13} results by configured list (fixed per config) and key type. */
const schemes13Lists = new WeakMap<readonly SignatureScheme[], Map<string, readonly SignatureScheme[]>>();

/** The TLS 1.3 schemes that may sign a CertificateVerify here (rsa_pkcs1 may not, RFC 8446 §4.4.3). */
export function schemes13(
  list: readonly SignatureScheme[],
  keyType: "ecdsa" | "rsa" | undefined,
): readonly SignatureScheme[] {
  let byType = schemes13Lists.get(list);
  if (!byType) {
    byType = new Map();
    schemes13Lists.set(list, byType);
  }
  const key = keyType ?? "any";
  let out = byType.get(key);
  if (!out) {
    out = list.filter(
      (s) => s !== Schemes.rsa_pkcs1_sha256 && (keyType === undefined || schemeKeyType(s) === keyType),
    );
    byType.set(key, out);
  }
  return out;
}

/**
 * The scheme our CertificateVerify signs with: the first of ours for our key
 * type among those the peer `offered` (its CertificateRequest or ClientHello).
 * Never ecdsa_secp384r1_sha384: TLS 1.3 ties the curve to the scheme, and our
 * ECDSA keys are P-256.
 */
export function ourScheme13(config: ResolvedConfig, offered: readonly number[]): SignatureScheme {
  const scheme = schemes13(config.signatureSchemes, config.certificate.keyType).find(
    (s) => s !== Schemes.ecdsa_secp384r1_sha384 && offered.includes(s),
  );
  if (scheme === undefined)
    throw new DtlsError("ERR_DTLS_NO_SHARED_PARAMS", "no shared signature scheme for our certificate", {
      alert: 40,
    });
  return scheme;
}

/** The body of our CertificateVerify: `scheme`'s signature over the transcript hash, in our role's context. */
export function signCertificateVerify13(
  config: ResolvedConfig,
  scheme: SignatureScheme,
  role: Role,
  transcriptHash: Uint8Array,
): Uint8Array {
  const content = certificateVerifyContent(role, transcriptHash);
  const signature = config.crypto.sign(scheme, config.certificate.privateKey, content);
  return encodeCertificateVerify({ scheme, signature });
}

/**
 * Checks the peer's CertificateVerify (RFC 8446 §4.4.3): a scheme we accept for the peer's key type,
 * and a signature over the transcript hash with the peer's role in the context string.
 */
export function verifyCertificateVerify13(
  config: ResolvedConfig,
  peer: PeerCertificate,
  body: Uint8Array,
  peerRole: Role,
  transcriptHash: Uint8Array,
): void {
  const cv = parseCertificateVerify(body);
  const scheme = cv.scheme as SignatureScheme;
  if (!schemes13(config.signatureSchemes, peer.keyType).includes(scheme))
    throw new DtlsError(
      "ERR_DTLS_UNSUPPORTED",
      `${peerRole} signed CertificateVerify with scheme 0x${cv.scheme.toString(16)}`,
      { alert: 47 },
    );
  const content = certificateVerifyContent(peerRole, transcriptHash);
  // On this thread: checked on libuv's pool (crypto.verify with a callback) while this thread built our
  // own flight, it cost 50-80 us more CPU per check in thread hand-offs (about the check itself), and a
  // data-channel open took 0.5-4 ms longer with the machine's cores busy (measured 2026-12-03).
  if (!config.crypto.verify(scheme, peer.publicKey, content, cv.signature))
    throw new DtlsError("ERR_DTLS_BAD_SIGNATURE", "CertificateVerify signature does not verify", {
      alert: 51,
    });
}

/** The verify_data of `role`'s Finished over the transcript hash (RFC 8446 §4.4.4). */
export function finished13(ks: KeySchedule13, role: Role, transcriptHash: Uint8Array): Uint8Array {
  return ks.finished(role === "client" ? ks.clientHandshake! : ks.serverHandshake!, transcriptHash);
}

/** Checks the peer's Finished body against the transcript hash before it. */
export function verifyFinished13(
  ks: KeySchedule13,
  body: Uint8Array,
  peerRole: Role,
  transcriptHash: Uint8Array,
): void {
  if (!equalBytes(body, finished13(ks, peerRole, transcriptHash)))
    throw new DtlsError("ERR_DTLS_BAD_FINISHED", `${peerRole} Finished does not verify`, { alert: 51 });
}
