import { DtlsError } from "../errors.js";

/** Parses a Finished body: 12 bytes of verify_data (RFC 5246 §7.4.9). */
export function parseFinished(body: Uint8Array): Uint8Array {
  if (body.length !== 12)
    throw new DtlsError("ERR_DTLS_MALFORMED", `Finished of ${body.length} bytes (want 12)`, { alert: 50 });
  return body;
}
