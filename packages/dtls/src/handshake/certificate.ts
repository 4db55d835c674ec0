import { Reader, Writer } from "../bytes.js";
import { DtlsError } from "../errors.js";

/** Most certificates accepted in a chain: a bound on work per message. */
const MAX_CHAIN = 10;

/** Parses a Certificate body (RFC 5246 §7.4.2): a list of DER certificates, leaf first. */
export function parseCertificate(body: Uint8Array): Uint8Array[] {
  const r = new Reader(body, "Certificate");
  const list = new Reader(r.vec24(), "certificate_list");
  r.end();
  const out: Uint8Array[] = [];
  while (list.remaining > 0) {
    out.push(list.vec24(1));
    if (out.length > MAX_CHAIN) throw new DtlsError("ERR_DTLS_TOO_LARGE", "certificate chain too long");
  }
  return out;
}

/** Encodes a Certificate body. */
export function encodeCertificate(chain: readonly Uint8Array[]): Uint8Array {
  const inner = new Writer(1024);
  for (const c of chain) inner.vec24(c);
  return new Writer(1024).vec24(inner.finish()).finish();
}
