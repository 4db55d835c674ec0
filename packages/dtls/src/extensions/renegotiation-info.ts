import { Reader, Writer } from "../bytes.js";

/** renegotiation_info (RFC 5746 §3.2): the previous verify_data, empty on a first handshake. */
export function parseRenegotiationInfo(data: Uint8Array): Uint8Array {
  const r = new Reader(data, "renegotiation_info");
  const v = r.vec8();
  r.end();
  return v;
}

/** Encodes renegotiation_info (empty for an initial handshake). */
export function encodeRenegotiationInfo(previous: Uint8Array = new Uint8Array(0)): Uint8Array {
  return new Writer(4).vec8(previous).finish();
}
