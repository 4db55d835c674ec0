import { Reader, Writer } from "../bytes.js";

/** Parses an ECDHE ClientKeyExchange body (RFC 8422 §5.7): the client's public point. */
export function parseClientKeyExchange(body: Uint8Array): Uint8Array {
  const r = new Reader(body, "ClientKeyExchange");
  const key = r.vec8(1);
  r.end();
  return key;
}

/** Encodes an ECDHE ClientKeyExchange body. */
export function encodeClientKeyExchange(publicKey: Uint8Array): Uint8Array {
  return new Writer(2 + publicKey.length).vec8(publicKey).finish();
}
