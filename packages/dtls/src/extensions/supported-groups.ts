import { Reader, u16List, Writer } from "../bytes.js";

/** supported_groups (RFC 8422 §5.1.1): a list of named groups. */
export function parseSupportedGroups(data: Uint8Array): number[] {
  const r = new Reader(data, "supported_groups");
  const list = u16List(r.vec16(2, 0xfffe), "supported_groups");
  r.end();
  return list;
}

/** Encodes supported_groups. */
export function encodeSupportedGroups(groups: readonly number[]): Uint8Array {
  return new Writer(2 + groups.length * 2).u16List16(groups).finish();
}
