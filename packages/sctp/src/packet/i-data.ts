/** I-DATA chunk (RFC 8260 §2.1): DATA with a 32-bit Message Identifier and a Fragment Sequence Number. */
import { put16, put32, u16, u32 } from "./bytes.js";
import { ChunkType } from "./constants.js";
import type { DataChunk } from "./data.js";
import {
  checkUserDataLength,
  FLAG_BEGINNING,
  FLAG_ENDING,
  FLAG_IMMEDIATE,
  FLAG_UNORDERED,
  type UserDataFields,
  writeUserDataCommon,
} from "./user-data.js";

/**
 * An I-DATA chunk: one fragment (or all) of a user message, named by its
 * stream, U bit and MID, so fragments of messages on different streams may
 * interleave. The first fragment (B bit) carries the PPID where the others
 * carry their FSN; the first fragment's FSN is 0 (RFC 8260 §2.1).
 */
export interface IDataChunk extends UserDataFields {
  type: typeof ChunkType.IData;
  /** Message Identifier: per stream, separate counters for ordered and unordered messages (mod 2^32). */
  mid: number;
  /** Fragment Sequence Number: 0 for the first fragment, +1 for each one after. */
  fsn: number;
  /** Payload protocol identifier (only carried by the first fragment; 0 in the others). */
  ppid: number;
}

/** Bytes of an I-DATA chunk before its user data. */
export const I_DATA_HEADER = 20;

/** Decodes the I-DATA chunk at `o` of length `len`; throws SctpError `ERR_BAD_LENGTH` / `ERR_BAD_CHUNK`. */
export function decodeIData(b: Uint8Array, o: number, len: number): IDataChunk {
  checkUserDataLength(len, I_DATA_HEADER, "I-DATA", "RFC 8260 §2.1");
  const flags = b[o + 1]!;
  const beginning = (flags & FLAG_BEGINNING) !== 0;
  const field = u32(b, o + 16);
  return {
    type: ChunkType.IData,
    tsn: u32(b, o + 4),
    streamId: u16(b, o + 8),
    mid: u32(b, o + 12),
    fsn: beginning ? 0 : field,
    ppid: beginning ? field : 0,
    userData: b.subarray(o + I_DATA_HEADER, o + len),
    unordered: (flags & FLAG_UNORDERED) !== 0,
    beginning,
    ending: (flags & FLAG_ENDING) !== 0,
    immediate: (flags & FLAG_IMMEDIATE) !== 0,
  };
}

/** The chunk's length field (padding not counted). */
export function iDataLength(c: IDataChunk): number {
  return I_DATA_HEADER + c.userData.length;
}

/** Writes the chunk at `o` (`b` has room for its padded length). */
export function writeIData(c: IDataChunk, b: Uint8Array, o: number): void {
  writeUserDataCommon(ChunkType.IData, I_DATA_HEADER, c, b, o);
  put16(b, o + 10, 0); // reserved
  put32(b, o + 12, c.mid);
  put32(b, o + 16, c.beginning ? c.ppid : c.fsn);
}

/** A chunk carrying user data: DATA, or I-DATA when RFC 8260 was negotiated. */
export type UserDataChunk = DataChunk | IDataChunk;
