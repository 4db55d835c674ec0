/** I-FORWARD-TSN chunk (RFC 8260 §2.3.1): FORWARD-TSN naming skipped messages by stream, U bit and MID. */
import { put16, put32, u16, u32 } from "./bytes.js";
import { ChunkType } from "./constants.js";
import {
  decodeForwardEntries,
  type ForwardEntries,
  forwardEntriesLength,
  writeForwardEntries,
} from "./forward-entries.js";

/** The largest MID abandoned on one stream, for its ordered or its unordered messages. */
export interface IForwardTsnStream {
  streamId: number;
  unordered: boolean;
  mid: number;
}

/** An I-FORWARD-TSN chunk: the receiver moves its cumulative TSN and skips the messages named. */
export interface IForwardTsnChunk {
  type: typeof ChunkType.IForwardTsn;
  newCumulativeTsn: number;
  streams: IForwardTsnStream[];
}

const LAYOUT: ForwardEntries<IForwardTsnStream> = {
  type: ChunkType.IForwardTsn,
  name: "I-FORWARD-TSN",
  rfc: "RFC 8260 §2.3.1",
  size: 8,
  read: (b, p) => ({ streamId: u16(b, p), unordered: (b[p + 3]! & 1) !== 0, mid: u32(b, p + 4) }),
  write: (s, b, p) => {
    put16(b, p, s.streamId);
    put16(b, p + 2, s.unordered ? 1 : 0); // 15 reserved bits, then U
    put32(b, p + 4, s.mid);
  },
};

/** Decodes the I-FORWARD-TSN chunk at `o` of length `len`; throws SctpError `ERR_BAD_LENGTH`. */
export function decodeIForwardTsn(b: Uint8Array, o: number, len: number): IForwardTsnChunk {
  return { type: ChunkType.IForwardTsn, ...decodeForwardEntries(LAYOUT, b, o, len) };
}

/** The chunk's length field. */
export function iForwardTsnLength(c: IForwardTsnChunk): number {
  return forwardEntriesLength(LAYOUT, c.streams.length);
}

/** Writes the chunk at `o` (`b` has room for it). */
export function writeIForwardTsn(c: IForwardTsnChunk, b: Uint8Array, o: number): void {
  writeForwardEntries(LAYOUT, c.newCumulativeTsn, c.streams, b, o);
}
