import { Reader, Writer } from "../bytes.js";

/** CertificateVerify (RFC 5246 §7.4.8): a signature over the transcript so far. */
export interface CertificateVerify {
  scheme: number;
  signature: Uint8Array;
}

/** Parses a CertificateVerify body. */
export function parseCertificateVerify(body: Uint8Array): CertificateVerify {
  const r = new Reader(body, "CertificateVerify");
  const scheme = r.u16();
  const signature = r.vec16(1);
  r.end();
  return { scheme, signature };
}

/** Encodes a CertificateVerify body. */
export function encodeCertificateVerify(v: CertificateVerify): Uint8Array {
  return new Writer(4 + v.signature.length).u16(v.scheme).vec16(v.signature).finish();
}
