import { Reader, u16List, Writer } from "../bytes.js";

/** ClientCertificateType values (RFC 5246 §7.4.4, RFC 8422 §5.5). */
export const ClientCertificateType = { rsa_sign: 1, ecdsa_sign: 64 } as const;

/** CertificateRequest (RFC 5246 §7.4.4). */
export interface CertificateRequest {
  certificateTypes: readonly number[];
  signatureAlgorithms: readonly number[];
  /** Distinguished names, raw (unused by WebRTC). */
  authorities: Uint8Array;
}

/** Parses a CertificateRequest body. */
export function parseCertificateRequest(body: Uint8Array): CertificateRequest {
  const r = new Reader(body, "CertificateRequest");
  const certificateTypes = [...r.vec8(1)];
  const signatureAlgorithms = u16List(r.vec16(2, 0xfffe), "supported_signature_algorithms");
  const authorities = r.vec16();
  r.end();
  return { certificateTypes, signatureAlgorithms, authorities };
}

/** Encodes a CertificateRequest body. */
export function encodeCertificateRequest(c: CertificateRequest): Uint8Array {
  return new Writer(64)
    .vec8(Uint8Array.from(c.certificateTypes))
    .u16List16(c.signatureAlgorithms)
    .vec16(c.authorities)
    .finish();
}
