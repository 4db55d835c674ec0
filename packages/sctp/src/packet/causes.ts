/** ABORT and ERROR chunks and their error causes (RFC 9260 §3.3.7, §3.3.10). */
import { put16 } from "./bytes.js";
import { ChunkType } from "./constants.js";
import { parameterSize, type RawParameter, readParameters, writeParameter } from "./parameters.js";

/** One error cause: code and its value (same TLV layout as a parameter). */
export interface ErrorCause {
  code: number;
  value: Uint8Array;
}

export interface AbortChunk {
  type: typeof ChunkType.Abort;
  /** T bit: the sender used the receiver's own tag (it had no TCB). */
  reflected: boolean;
  causes: ErrorCause[];
}

export interface ErrorChunk {
  type: typeof ChunkType.Error;
  causes: ErrorCause[];
}

function toCauses(params: RawParameter[]): ErrorCause[] {
  return params.map((p) => ({ code: p.type, value: p.value }));
}

export function decodeAbort(b: Uint8Array, o: number, len: number): AbortChunk {
  return {
    type: ChunkType.Abort,
    reflected: (b[o + 1]! & 1) !== 0,
    causes: toCauses(readParameters(b, o + 4, o + len)),
  };
}

export function decodeError(b: Uint8Array, o: number, len: number): ErrorChunk {
  return { type: ChunkType.Error, causes: toCauses(readParameters(b, o + 4, o + len)) };
}

/** Length of ABORT/ERROR; the last cause's padding is not counted (RFC 9260 §3.2). */
export function causesChunkLength(c: AbortChunk | ErrorChunk): number {
  let n = 4;
  for (const cause of c.causes) n += parameterSize(cause.value.length);
  const last = c.causes[c.causes.length - 1];
  return last ? n - ((4 - (last.value.length & 3)) & 3) : n;
}

export function writeCausesChunk(c: AbortChunk | ErrorChunk, b: Uint8Array, o: number): void {
  b[o] = c.type;
  b[o + 1] = c.type === ChunkType.Abort && c.reflected ? 1 : 0;
  put16(b, o + 2, causesChunkLength(c));
  let p = o + 4;
  for (const cause of c.causes) p = writeParameter(b, p, cause.code, cause.value);
}
