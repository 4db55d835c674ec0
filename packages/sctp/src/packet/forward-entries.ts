/**
 * What FORWARD-TSN (RFC 3758 §3.2) and I-FORWARD-TSN (RFC 8260 §2.3.1)
 * share: a new cumulative TSN, then entries of one fixed size, one per
 * stream whose abandoned messages the receiver skips.
 */
import { SctpError } from "../errors.js";
import { put16, put32, u32 } from "./bytes.js";

/** One chunk's layout: its type, its entries' size and how to read and write one. */
export interface ForwardEntries<T> {
  type: number;
  /** For the error message: the chunk's name and RFC section. */
  name: string;
  rfc: string;
  size: number;
  read(b: Uint8Array, p: number): T;
  write(e: T, b: Uint8Array, p: number): void;
}

/** Reads the chunk at `o` of length `len`; throws SctpError `ERR_BAD_LENGTH` unless it is 8 + size·n. */
export function decodeForwardEntries<T>(
  layout: ForwardEntries<T>,
  b: Uint8Array,
  o: number,
  len: number,
): { newCumulativeTsn: number; streams: T[] } {
  const { size } = layout;
  if (len < 8 || (len - 8) % size !== 0)
    throw new SctpError("ERR_BAD_LENGTH", `${layout.name} length is not 8 + ${size}n (${layout.rfc})`);
  const n = (len - 8) / size;
  const streams: T[] = new Array(n);
  for (let i = 0, p = o + 8; i < n; i++, p += size) streams[i] = layout.read(b, p);
  return { newCumulativeTsn: u32(b, o + 4), streams };
}

/** The chunk's length field for `count` entries. */
export function forwardEntriesLength(layout: ForwardEntries<unknown>, count: number): number {
  return 8 + layout.size * count;
}

/** Writes the chunk at `o` (`b` has room for it). */
export function writeForwardEntries<T>(
  layout: ForwardEntries<T>,
  newCumulativeTsn: number,
  streams: readonly T[],
  b: Uint8Array,
  o: number,
): void {
  b[o] = layout.type;
  b[o + 1] = 0;
  put16(b, o + 2, forwardEntriesLength(layout, streams.length));
  put32(b, o + 4, newCumulativeTsn);
  let p = o + 8;
  for (const s of streams) {
    layout.write(s, b, p);
    p += layout.size;
  }
}
