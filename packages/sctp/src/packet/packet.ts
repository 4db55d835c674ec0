/**
 * SCTP packets (RFC 9260 §3.1): the common header, then chunks padded to 4
 * bytes, checked with CRC32c (§6.8) or, when both ends agreed on it, a zero
 * checksum (RFC 9653).
 */
import { SctpError } from "../errors.js";
import { pad4, put16, put32, u16, u32 } from "./bytes.js";
import { type Chunk, chunkLength, decodeChunk, writeChunk } from "./chunk.js";
import { sctpChecksum } from "./crc32c.js";
import { allocPacket } from "./slab.js";

/** A decoded packet. */
export interface SctpPacket {
  sourcePort: number;
  destinationPort: number;
  verificationTag: number;
  chunks: Chunk[];
}

/** Options of {@link decodePacket}. */
export interface DecodeOptions {
  /** Accept a checksum field of zero without computing CRC32c (RFC 9653: we advertised it). */
  acceptZeroChecksum?: boolean;
  /** Skip checksum verification entirely (tests of chunk parsing). */
  skipChecksum?: boolean;
}

/** Options of {@link encodePacket}. */
export interface EncodeOptions {
  /** Put zero in the checksum field (RFC 9653: the peer advertised it accepts that). */
  zeroChecksum?: boolean;
}

export const COMMON_HEADER = 12;

/**
 * Decodes one packet. Throws {@link SctpError} for anything malformed; it
 * allocates no more than a small multiple of the input's length whatever
 * the length fields say. After a chunk of unknown type whose upper bits
 * say "stop processing" (00, 01) it stops, keeping that chunk last so the
 * caller can report it.
 */
export function decodePacket(b: Uint8Array, options?: DecodeOptions): SctpPacket {
  if (b.length < COMMON_HEADER) throw new SctpError("ERR_TOO_SHORT", "SCTP packet shorter than 12 bytes");
  if (!options?.skipChecksum) {
    const stored = (b[8]! | (b[9]! << 8) | (b[10]! << 16) | (b[11]! << 24)) >>> 0;
    if (!(stored === 0 && options?.acceptZeroChecksum) && stored !== sctpChecksum(b))
      throw new SctpError("ERR_BAD_CHECKSUM", "CRC32c mismatch (RFC 9260 §6.8)");
  }
  const chunks: Chunk[] = [];
  let o = COMMON_HEADER;
  while (o < b.length) {
    if (b.length - o < 4) throw new SctpError("ERR_BAD_LENGTH", "chunk header truncated (RFC 9260 §3.2)");
    const len = u16(b, o + 2);
    if (len < 4 || o + len > b.length)
      throw new SctpError("ERR_BAD_LENGTH", `chunk length ${len} lies (RFC 9260 §3.2)`);
    const chunk = decodeChunk(b, o, len);
    chunks.push(chunk);
    if (chunk.type === "unknown" && (chunk.chunkType & 0x80) === 0) break;
    o += pad4(len);
  }
  return {
    sourcePort: u16(b, 0),
    destinationPort: u16(b, 2),
    verificationTag: u32(b, 4),
    chunks,
  };
}

/** Size of the packet {@link encodePacket} makes of these chunks. */
export function packetSize(chunks: readonly Chunk[]): number {
  let n = COMMON_HEADER;
  for (const c of chunks) n += pad4(chunkLength(c));
  return n;
}

/** Encodes a packet with its checksum. */
export function encodePacket(p: SctpPacket, options?: EncodeOptions): Uint8Array {
  const b = allocPacket(packetSize(p.chunks));
  put16(b, 0, p.sourcePort);
  put16(b, 2, p.destinationPort);
  put32(b, 4, p.verificationTag);
  let o = COMMON_HEADER;
  for (const c of p.chunks) {
    writeChunk(c, b, o);
    o += pad4(chunkLength(c));
  }
  if (!options?.zeroChecksum) {
    const crc = sctpChecksum(b);
    // The CRC goes in least significant byte first (RFC 9260 Appendix A).
    b[8] = crc;
    b[9] = crc >>> 8;
    b[10] = crc >>> 16;
    b[11] = crc >>> 24;
  }
  return b;
}
