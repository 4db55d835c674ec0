/** FORWARD-TSN chunk (RFC 3758 §3.2). */
import { SctpError } from "../errors.js";
import { put16, put32, u16, u32 } from "./bytes.js";
import { ChunkType } from "./constants.js";

/** A stream whose ordered messages up to `ssn` were abandoned. */
export interface ForwardTsnStream {
  streamId: number;
  ssn: number;
}

export interface ForwardTsnChunk {
  type: typeof ChunkType.ForwardTsn;
  newCumulativeTsn: number;
  streams: ForwardTsnStream[];
}

export function decodeForwardTsn(b: Uint8Array, o: number, len: number): ForwardTsnChunk {
  if (len < 8 || (len - 8) % 4 !== 0)
    throw new SctpError("ERR_BAD_LENGTH", "FORWARD-TSN length is not 8 + 4n (RFC 3758 §3.2)");
  const n = (len - 8) / 4;
  const streams: ForwardTsnStream[] = new Array(n);
  for (let i = 0, p = o + 8; i < n; i++, p += 4) streams[i] = { streamId: u16(b, p), ssn: u16(b, p + 2) };
  return { type: ChunkType.ForwardTsn, newCumulativeTsn: u32(b, o + 4), streams };
}

export function forwardTsnLength(c: ForwardTsnChunk): number {
  return 8 + 4 * c.streams.length;
}

export function writeForwardTsn(c: ForwardTsnChunk, b: Uint8Array, o: number): void {
  b[o] = ChunkType.ForwardTsn;
  b[o + 1] = 0;
  put16(b, o + 2, forwardTsnLength(c));
  put32(b, o + 4, c.newCumulativeTsn);
  let p = o + 8;
  for (const s of c.streams) {
    put16(b, p, s.streamId);
    put16(b, p + 2, s.ssn);
    p += 4;
  }
}
