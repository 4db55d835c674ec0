import { Reader, u16List, Writer } from "../bytes.js";

/** signature_algorithms (RFC 5246 §7.4.1.4.1): hash‖signature pairs as u16 schemes. */
export function parseSignatureAlgorithms(data: Uint8Array): number[] {
  const r = new Reader(data, "signature_algorithms");
  const list = u16List(r.vec16(2, 0xfffe), "signature_algorithms");
  r.end();
  return list;
}

/** Encodes signature_algorithms. */
export function encodeSignatureAlgorithms(schemes: readonly number[]): Uint8Array {
  return new Writer(2 + schemes.length * 2).u16List16(schemes).finish();
}
