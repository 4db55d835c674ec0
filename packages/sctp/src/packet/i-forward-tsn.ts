/** I-FORWARD-TSN chunk (RFC 8260 §2.3.1): FORWARD-TSN naming skipped messages by stream, U bit and MID. */
import { SctpError } from "../errors.js";
import { put16, put32, u16, u32 } from "./bytes.js";
import { ChunkType } from "./constants.js";

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

/** Decodes the I-FORWARD-TSN chunk at `o` of length `len`; throws SctpError `ERR_BAD_LENGTH`. */
export function decodeIForwardTsn(b: Uint8Array, o: number, len: number): IForwardTsnChunk {
  if (len < 8 || (len - 8) % 8 !== 0)
    throw new SctpError("ERR_BAD_LENGTH", "I-FORWARD-TSN length is not 8 + 8n (RFC 8260 §2.3.1)");
  const n = (len - 8) / 8;
  const streams: IForwardTsnStream[] = new Array(n);
  for (let i = 0, p = o + 8; i < n; i++, p += 8)
    streams[i] = { streamId: u16(b, p), unordered: (b[p + 3]! & 1) !== 0, mid: u32(b, p + 4) };
  return { type: ChunkType.IForwardTsn, newCumulativeTsn: u32(b, o + 4), streams };
}

/** The chunk's length field. */
export function iForwardTsnLength(c: IForwardTsnChunk): number {
  return 8 + 8 * c.streams.length;
}

/** Writes the chunk at `o` (`b` has room for it). */
export function writeIForwardTsn(c: IForwardTsnChunk, b: Uint8Array, o: number): void {
  b[o] = ChunkType.IForwardTsn;
  b[o + 1] = 0;
  put16(b, o + 2, iForwardTsnLength(c));
  put32(b, o + 4, c.newCumulativeTsn);
  let p = o + 8;
  for (const s of c.streams) {
    put16(b, p, s.streamId);
    put16(b, p + 2, s.unordered ? 1 : 0); // 15 reserved bits, then U
    put32(b, p + 4, s.mid);
    p += 8;
  }
}
