/** SACK chunk (RFC 9260 §3.3.4). */
import { SctpError } from "../errors.js";
import { put16, put32, u16, u32 } from "./bytes.js";
import { ChunkType } from "./constants.js";

/** A gap ack block: TSNs cumulativeTsnAck+start ..= cumulativeTsnAck+end were received. */
export interface GapAckBlock {
  start: number;
  end: number;
}

export interface SackChunk {
  type: typeof ChunkType.Sack;
  cumulativeTsnAck: number;
  aRwnd: number;
  gapAckBlocks: GapAckBlock[];
  duplicateTsns: number[];
}

export function decodeSack(b: Uint8Array, o: number, len: number): SackChunk {
  if (len < 16) throw new SctpError("ERR_BAD_LENGTH", "SACK shorter than 16 bytes (RFC 9260 §3.3.4)");
  const nGaps = u16(b, o + 12);
  const nDups = u16(b, o + 14);
  // Check the counts against the length before allocating anything.
  if (16 + 4 * (nGaps + nDups) !== len)
    throw new SctpError("ERR_BAD_LENGTH", "SACK block counts do not match its length (RFC 9260 §3.3.4)");
  const gapAckBlocks: GapAckBlock[] = new Array(nGaps);
  let p = o + 16;
  for (let i = 0; i < nGaps; i++, p += 4) gapAckBlocks[i] = { start: u16(b, p), end: u16(b, p + 2) };
  const duplicateTsns: number[] = new Array(nDups);
  for (let i = 0; i < nDups; i++, p += 4) duplicateTsns[i] = u32(b, p);
  return {
    type: ChunkType.Sack,
    cumulativeTsnAck: u32(b, o + 4),
    aRwnd: u32(b, o + 8),
    gapAckBlocks,
    duplicateTsns,
  };
}

export function sackLength(c: SackChunk): number {
  return 16 + 4 * (c.gapAckBlocks.length + c.duplicateTsns.length);
}

export function writeSack(c: SackChunk, b: Uint8Array, o: number): void {
  b[o] = ChunkType.Sack;
  b[o + 1] = 0;
  put16(b, o + 2, sackLength(c));
  put32(b, o + 4, c.cumulativeTsnAck);
  put32(b, o + 8, c.aRwnd);
  put16(b, o + 12, c.gapAckBlocks.length);
  put16(b, o + 14, c.duplicateTsns.length);
  let p = o + 16;
  for (const g of c.gapAckBlocks) {
    put16(b, p, g.start);
    put16(b, p + 2, g.end);
    p += 4;
  }
  for (const d of c.duplicateTsns) {
    put32(b, p, d);
    p += 4;
  }
}
