import { Reader, Writer } from "../bytes.js";

/** ec_point_formats (RFC 8422 §5.1.2): only uncompressed (0) is used. */
export function parseEcPointFormats(data: Uint8Array): number[] {
  const r = new Reader(data, "ec_point_formats");
  const list = [...r.vec8(1)];
  r.end();
  return list;
}

/** Encodes ec_point_formats. */
export function encodeEcPointFormats(formats: readonly number[]): Uint8Array {
  return new Writer(8).vec8(Uint8Array.from(formats)).finish();
}
