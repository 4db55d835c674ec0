import { Reader, Writer } from "../bytes.js";
import { DtlsError } from "../errors.js";

/** ECDHE ServerKeyExchange (RFC 8422 §5.4), named curves only. */
export interface ServerKeyExchange {
  group: number;
  publicKey: Uint8Array;
  scheme: number;
  signature: Uint8Array;
  /** The ServerECDHParams bytes, which the signature covers after the randoms. */
  params: Uint8Array;
}

const NAMED_CURVE = 3;

/** Encodes ServerECDHParams: curve_type, named_curve, public point. */
export function encodeEcdhParams(group: number, publicKey: Uint8Array): Uint8Array {
  return new Writer(4 + publicKey.length).u8(NAMED_CURVE).u16(group).vec8(publicKey).finish();
}

/** Parses a ServerKeyExchange body. */
export function parseServerKeyExchange(body: Uint8Array): ServerKeyExchange {
  const r = new Reader(body, "ServerKeyExchange");
  const curveType = r.u8();
  if (curveType !== NAMED_CURVE)
    throw new DtlsError("ERR_DTLS_UNSUPPORTED", `ECParameters curve_type ${curveType}`, { alert: 47 });
  const group = r.u16();
  const publicKey = r.vec8(1);
  const params = body.subarray(0, r.position);
  const scheme = r.u16();
  const signature = r.vec16(1);
  r.end();
  return { group, publicKey, scheme, signature, params };
}

/** Encodes a ServerKeyExchange body from params and signature. */
export function encodeServerKeyExchange(
  params: Uint8Array,
  scheme: number,
  signature: Uint8Array,
): Uint8Array {
  return new Writer(params.length + 4 + signature.length).bytes(params).u16(scheme).vec16(signature).finish();
}
