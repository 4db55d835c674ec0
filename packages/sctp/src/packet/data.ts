/** DATA chunk (RFC 9260 §3.3.1). */
import { put16, put32, u16, u32 } from "./bytes.js";
import { ChunkType } from "./constants.js";
import {
  checkUserDataLength,
  FLAG_BEGINNING,
  FLAG_ENDING,
  FLAG_IMMEDIATE,
  FLAG_UNORDERED,
  type UserDataFields,
  writeUserDataCommon,
} from "./user-data.js";

/** A DATA chunk: one fragment (or all) of a user message. */
export interface DataChunk extends UserDataFields {
  type: typeof ChunkType.Data;
  /** Stream sequence number (ignored when unordered). */
  ssn: number;
}

/** Bytes of a DATA chunk before its user data. */
export const DATA_HEADER = 16;

/** Decodes the DATA chunk at `o` of length `len`; throws SctpError `ERR_BAD_LENGTH` / `ERR_BAD_CHUNK`. */
export function decodeData(b: Uint8Array, o: number, len: number): DataChunk {
  checkUserDataLength(len, DATA_HEADER, "DATA", "RFC 9260 §3.3.1", "RFC 9260 §3.3.1, No User Data");
  const flags = b[o + 1]!;
  return {
    type: ChunkType.Data,
    tsn: u32(b, o + 4),
    streamId: u16(b, o + 8),
    ssn: u16(b, o + 10),
    ppid: u32(b, o + 12),
    userData: b.subarray(o + DATA_HEADER, o + len),
    unordered: (flags & FLAG_UNORDERED) !== 0,
    beginning: (flags & FLAG_BEGINNING) !== 0,
    ending: (flags & FLAG_ENDING) !== 0,
    immediate: (flags & FLAG_IMMEDIATE) !== 0,
  };
}

/** The chunk's length field (padding not counted). */
export function dataLength(c: DataChunk): number {
  return DATA_HEADER + c.userData.length;
}

/** Writes the chunk at `o` (`b` has room for its padded length). */
export function writeData(c: DataChunk, b: Uint8Array, o: number): void {
  writeUserDataCommon(ChunkType.Data, DATA_HEADER, c, b, o);
  put16(b, o + 10, c.ssn);
  put32(b, o + 12, c.ppid);
}
