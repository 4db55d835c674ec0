import { DtlsError } from "../errors.js";

/** Parses a ServerHelloDone body, which must be empty (RFC 5246 §7.4.5). */
export function parseServerHelloDone(body: Uint8Array): void {
  if (body.length !== 0)
    throw new DtlsError("ERR_DTLS_MALFORMED", "ServerHelloDone with a body", { alert: 50 });
}
