/** DATA chunk (RFC 9260 §3.3.1). */
import { SctpError } from "../errors.js";
import { put16, put32, u16, u32 } from "./bytes.js";
import { ChunkType } from "./constants.js";

/** A DATA chunk: one fragment (or all) of a user message. */
export interface DataChunk {
  type: typeof ChunkType.Data;
  tsn: number;
  streamId: number;
  /** Stream sequence number (ignored when unordered). */
  ssn: number;
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

export const DATA_HEADER = 16;

export function decodeData(b: Uint8Array, o: number, len: number): DataChunk {
  if (len < DATA_HEADER)
    throw new SctpError("ERR_BAD_LENGTH", "DATA chunk shorter than 16 bytes (RFC 9260 §3.3.1)");
  if (len === DATA_HEADER)
    throw new SctpError("ERR_BAD_CHUNK", "DATA chunk without user data (RFC 9260 §3.3.1, No User Data)");
  const flags = b[o + 1]!;
  return {
    type: ChunkType.Data,
    tsn: u32(b, o + 4),
    streamId: u16(b, o + 8),
    ssn: u16(b, o + 10),
    ppid: u32(b, o + 12),
    userData: b.subarray(o + DATA_HEADER, o + len),
    unordered: (flags & 4) !== 0,
    beginning: (flags & 2) !== 0,
    ending: (flags & 1) !== 0,
    immediate: (flags & 8) !== 0,
  };
}

export function dataLength(c: DataChunk): number {
  return DATA_HEADER + c.userData.length;
}

export function writeData(c: DataChunk, b: Uint8Array, o: number): void {
  b[o] = ChunkType.Data;
  b[o + 1] = (c.immediate ? 8 : 0) | (c.unordered ? 4 : 0) | (c.beginning ? 2 : 0) | (c.ending ? 1 : 0);
  put16(b, o + 2, DATA_HEADER + c.userData.length);
  put32(b, o + 4, c.tsn);
  put16(b, o + 8, c.streamId);
  put16(b, o + 10, c.ssn);
  put32(b, o + 12, c.ppid);
  b.set(c.userData, o + DATA_HEADER);
}
