import { equalBytes } from "../bytes.js";
import type { PeerCertificate } from "../certificate.js";
import type { ResolvedConfig } from "../config.js";
import type { CipherSuite } from "../crypto/cipher-suites.js";
import { SignatureScheme as Schemes, type SignatureScheme, schemeKeyType } from "../crypto/groups.js";
import { verifyData } from "../crypto/prf.js";
import { DtlsError } from "../errors.js";
import { parseFinished } from "../handshake/finished.js";

/**
 * How both sides of DTLS 1.2 sign and check (RFC 5246 §7.4): the scheme we
 * sign with (ServerKeyExchange, CertificateVerify), the peer's signature, and
 * the peer's Finished.
 */

/**
 * The scheme we sign with: the first of ours for our key type among those the
 * peer `offered` (undefined: a ClientHello without signature_algorithms, any).
 * Never ecdsa_secp384r1_sha384: our ECDSA keys are P-256.
 */
export function ourScheme12(config: ResolvedConfig, offered: readonly number[] | undefined): SignatureScheme {
  const keyType = config.certificate.keyType;
  const scheme = config.signatureSchemes.find(
    (s) =>
      schemeKeyType(s) === keyType &&
      s !== Schemes.ecdsa_secp384r1_sha384 &&
      (offered === undefined || offered.includes(s)),
  );
  if (scheme === undefined)
    throw new DtlsError("ERR_DTLS_NO_SHARED_PARAMS", "no shared signature scheme for our certificate", {
      alert: 40,
    });
  return scheme;
}

/**
 * Checks the peer's signature over `signed` in its `message` (ServerKeyExchange
 * or CertificateVerify): a scheme we offered, for the key type of its certificate.
 */
export function verifyPeerSignature12(
  config: ResolvedConfig,
  peer: PeerCertificate,
  message: "ServerKeyExchange" | "CertificateVerify",
  scheme: number,
  signed: Uint8Array,
  signature: Uint8Array,
): void {
  const s = scheme as SignatureScheme;
  if (!config.signatureSchemes.includes(s) || schemeKeyType(s) !== peer.keyType)
    throw new DtlsError("ERR_DTLS_UNSUPPORTED", `${message} scheme 0x${scheme.toString(16)}`, { alert: 47 });
  if (!config.crypto.verify(s, peer.publicKey, signed, signature))
    throw new DtlsError("ERR_DTLS_BAD_SIGNATURE", `${message} signature does not verify`, { alert: 51 });
}

/** Checks the peer's Finished body: its verify_data over the transcript hash before it. */
export function verifyFinished12(
  suite: CipherSuite,
  master: Uint8Array,
  peerRole: "client" | "server",
  transcriptHash: Uint8Array,
  body: Uint8Array,
): void {
  const expected = verifyData(suite.hash, master, peerRole, transcriptHash);
  if (!equalBytes(parseFinished(body), expected))
    throw new DtlsError("ERR_DTLS_BAD_FINISHED", `${peerRole} Finished does not verify`, { alert: 51 });
}
