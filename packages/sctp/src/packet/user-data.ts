/**
 * What DATA (RFC 9260 §3.3.1) and I-DATA (RFC 8260 §2.1) share: the flags
 * (I from RFC 7053, U, B, E), the TSN and stream at the same offsets, the
 * PPID and the user data after a fixed header.
 */
import { SctpError } from "../errors.js";
import { put16, put32 } from "./bytes.js";

/** The fields of a chunk carrying user data that DATA and I-DATA both have. */
export interface UserDataFields {
  tsn: number;
  streamId: number;
  /** Payload protocol identifier. */
  ppid: number;
  /** The fragment's bytes (a view into the packet when decoded). */
  userData: Uint8Array;
  /** U bit. */
  unordered: boolean;
  /** B bit: first fragment. */
  beginning: boolean;
  /** E bit: last fragment. */
  ending: boolean;
  /** I bit (RFC 7053): the receiver should SACK at once. */
  immediate: boolean;
}

/** The flag bits, in the chunk's second byte. */
export const FLAG_IMMEDIATE = 8;
export const FLAG_UNORDERED = 4;
export const FLAG_BEGINNING = 2;
export const FLAG_ENDING = 1;

/**
 * Throws SctpError `ERR_BAD_LENGTH` when a chunk of length `len` is shorter
 * than its `header`, `ERR_BAD_CHUNK` when it has no user data (`rfc` and
 * `noUserData` name where each rule stands).
 */
export function checkUserDataLength(
  len: number,
  header: number,
  name: string,
  rfc: string,
  noUserData = rfc,
): void {
  if (len < header)
    throw new SctpError("ERR_BAD_LENGTH", `${name} chunk shorter than ${header} bytes (${rfc})`);
  if (len === header) throw new SctpError("ERR_BAD_CHUNK", `${name} chunk without user data (${noUserData})`);
}

/**
 * Writes what the two chunks share at `o`: type, flags, length (`header`
 * plus the user data), TSN, stream, and the user data after `header`
 * bytes; the chunk's own fields (bytes 10 to `header`) are the caller's.
 */
export function writeUserDataCommon(
  type: number,
  header: number,
  c: UserDataFields,
  b: Uint8Array,
  o: number,
): void {
  b[o] = type;
  b[o + 1] =
    (c.immediate ? FLAG_IMMEDIATE : 0) |
    (c.unordered ? FLAG_UNORDERED : 0) |
    (c.beginning ? FLAG_BEGINNING : 0) |
    (c.ending ? FLAG_ENDING : 0);
  put16(b, o + 2, header + c.userData.length);
  put32(b, o + 4, c.tsn);
  put16(b, o + 8, c.streamId);
  b.set(c.userData, o + header);
}
