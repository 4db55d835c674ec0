/** FORWARD-TSN chunk (RFC 3758 §3.2). */
import { put16, u16 } from "./bytes.js";
import { ChunkType } from "./constants.js";
import {
  decodeForwardEntries,
  type ForwardEntries,
  forwardEntriesLength,
  writeForwardEntries,
} from "./forward-entries.js";

/** A stream whose ordered messages up to `ssn` were abandoned. */
export interface ForwardTsnStream {
  streamId: number;
  ssn: number;
}

/** A FORWARD-TSN chunk: the receiver moves its cumulative TSN and skips the ordered messages named. */
export interface ForwardTsnChunk {
  type: typeof ChunkType.ForwardTsn;
  newCumulativeTsn: number;
  streams: ForwardTsnStream[];
}

const LAYOUT: ForwardEntries<ForwardTsnStream> = {
  type: ChunkType.ForwardTsn,
  name: "FORWARD-TSN",
  rfc: "RFC 3758 §3.2",
  size: 4,
  read: (b, p) => ({ streamId: u16(b, p), ssn: u16(b, p + 2) }),
  write: (s, b, p) => {
    put16(b, p, s.streamId);
    put16(b, p + 2, s.ssn);
  },
};

/** Decodes the FORWARD-TSN chunk at `o` of length `len`; throws SctpError `ERR_BAD_LENGTH`. */
export function decodeForwardTsn(b: Uint8Array, o: number, len: number): ForwardTsnChunk {
  return { type: ChunkType.ForwardTsn, ...decodeForwardEntries(LAYOUT, b, o, len) };
}

/** The chunk's length field. */
export function forwardTsnLength(c: ForwardTsnChunk): number {
  return forwardEntriesLength(LAYOUT, c.streams.length);
}

/** Writes the chunk at `o` (`b` has room for it). */
export function writeForwardTsn(c: ForwardTsnChunk, b: Uint8Array, o: number): void {
  writeForwardEntries(LAYOUT, c.newCumulativeTsn, c.streams, b, o);
}
