/**
 * The small chunks: SHUTDOWN (§3.3.8), SHUTDOWN-ACK (§3.3.9), SHUTDOWN-COMPLETE
 * (§3.3.13), COOKIE-ECHO (§3.3.11) and COOKIE-ACK (§3.3.12) of RFC 9260.
 */
import { SctpError } from "../errors.js";
import { put16, put32, u32 } from "./bytes.js";
import { ChunkType } from "./constants.js";

export interface ShutdownChunk {
  type: typeof ChunkType.Shutdown;
  cumulativeTsnAck: number;
}

export interface ShutdownAckChunk {
  type: typeof ChunkType.ShutdownAck;
}

export interface ShutdownCompleteChunk {
  type: typeof ChunkType.ShutdownComplete;
  /** T bit: the sender used the receiver's own tag (it had no TCB). */
  reflected: boolean;
}

export interface CookieEchoChunk {
  type: typeof ChunkType.CookieEcho;
  cookie: Uint8Array;
}

export interface CookieAckChunk {
  type: typeof ChunkType.CookieAck;
}

export type SimpleChunk =
  | ShutdownChunk
  | ShutdownAckChunk
  | ShutdownCompleteChunk
  | CookieEchoChunk
  | CookieAckChunk;

export function decodeSimple(b: Uint8Array, o: number, len: number, type: SimpleChunk["type"]): SimpleChunk {
  switch (type) {
    case ChunkType.Shutdown:
      if (len !== 8) throw new SctpError("ERR_BAD_LENGTH", "SHUTDOWN is not 8 bytes (RFC 9260 §3.3.8)");
      return { type, cumulativeTsnAck: u32(b, o + 4) };
    case ChunkType.ShutdownAck:
      return { type };
    case ChunkType.ShutdownComplete:
      return { type, reflected: (b[o + 1]! & 1) !== 0 };
    case ChunkType.CookieEcho:
      return { type, cookie: b.subarray(o + 4, o + len) };
    case ChunkType.CookieAck:
      return { type };
  }
}

export function simpleLength(c: SimpleChunk): number {
  if (c.type === ChunkType.Shutdown) return 8;
  if (c.type === ChunkType.CookieEcho) return 4 + c.cookie.length;
  return 4;
}

export function writeSimple(c: SimpleChunk, b: Uint8Array, o: number): void {
  b[o] = c.type;
  b[o + 1] = c.type === ChunkType.ShutdownComplete && c.reflected ? 1 : 0;
  put16(b, o + 2, simpleLength(c));
  if (c.type === ChunkType.Shutdown) put32(b, o + 4, c.cumulativeTsnAck);
  else if (c.type === ChunkType.CookieEcho) b.set(c.cookie, o + 4);
}
