import { DtlsError } from "../errors.js";

/** extended_master_secret (RFC 7627 §5.1): its data must be empty. */
export function parseExtendedMasterSecret(data: Uint8Array): true {
  if (data.length !== 0) throw new DtlsError("ERR_DTLS_MALFORMED", "extended_master_secret with data");
  return true;
}
