import { readU32, writeU32 } from "../bytes.js";
import { RtpError } from "../errors.js";
import { badRtcp, checkU32, RtcpPacketType, writeRtcpHeader } from "./header.js";

/** SDES item types (RFC 3550 §6.5). */
export const SdesItemType = {
  Cname: 1,
  Name: 2,
  Email: 3,
  Phone: 4,
  Location: 5,
  Tool: 6,
  Note: 7,
  Priv: 8,
} as const;

/** One SDES item: its type and UTF-8 text (at most 255 bytes). */
export interface SdesItem {
  readonly type: number;
  readonly value: string;
}

/** The items describing one source. */
export interface SdesChunk {
  readonly ssrc: number;
  readonly items: readonly SdesItem[];
}

/** A source description packet (RFC 3550 §6.5); a CNAME item is what WebRTC sends. */
export interface SourceDescription {
  readonly type: "sdes";
  readonly chunks: readonly SdesChunk[];
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Parses an SDES packet (`b` without padding, `count` the SC field). */
export function parseSourceDescription(b: Uint8Array, count: number): SourceDescription {
  const chunks: SdesChunk[] = [];
  let i = 4;
  for (let c = 0; c < count; c++) {
    if (i + 4 > b.length) badRtcp(`SDES chunk ${c} overruns the packet (RFC 3550 §6.5)`);
    const ssrc = readU32(b, i);
    i += 4;
    const items: SdesItem[] = [];
    for (;;) {
      if (i >= b.length) badRtcp("SDES chunk without its null terminator (RFC 3550 §6.5)");
      const type = b[i]!;
      if (type === 0) {
        i = (i + 4) & ~3; // the null item and padding to the next 32-bit boundary
        break;
      }
      if (i + 2 > b.length || i + 2 + b[i + 1]! > b.length)
        badRtcp("SDES item overruns the packet (RFC 3550 §6.5)");
      const len = b[i + 1]!;
      items.push({ type, value: decoder.decode(b.subarray(i + 2, i + 2 + len)) });
      i += 2 + len;
    }
    chunks.push({ ssrc, items });
  }
  if (i > b.length) badRtcp("SDES chunk padding overruns the packet (RFC 3550 §6.5)");
  return { type: "sdes", chunks };
}

function encodeChunks(
  p: SourceDescription,
): { ssrc: number; items: { type: number; bytes: Uint8Array }[] }[] {
  return p.chunks.map((c) => ({
    ssrc: c.ssrc,
    items: c.items.map((item) => {
      const bytes = encoder.encode(item.value);
      if (bytes.length > 255)
        throw new RtpError("ERR_INVALID_ARGUMENT", "SDES item over 255 bytes (RFC 3550 §6.5)");
      if (!Number.isInteger(item.type) || item.type < 1 || item.type > 255)
        throw new RtpError("ERR_INVALID_ARGUMENT", `SDES item type ${item.type}`);
      return { type: item.type, bytes };
    }),
  }));
}

function chunkLength(items: readonly { bytes: Uint8Array }[]): number {
  let n = 4;
  for (const item of items) n += 2 + item.bytes.length;
  return (n + 4) & ~3; // at least one null octet, padded to 32 bits
}

/** Size of a serialized SDES packet. */
export function sourceDescriptionLength(p: SourceDescription): number {
  return 4 + encodeChunks(p).reduce((n, c) => n + chunkLength(c.items), 0);
}

/** Writes an SDES packet at `offset`. */
export function writeSourceDescription(out: Uint8Array, offset: number, p: SourceDescription): void {
  const chunks = encodeChunks(p);
  const length = 4 + chunks.reduce((n, c) => n + chunkLength(c.items), 0);
  writeRtcpHeader(out, offset, chunks.length, RtcpPacketType.SourceDescription, length);
  let i = offset + 4;
  for (const c of chunks) {
    checkU32(c.ssrc, "SSRC");
    const end = i + chunkLength(c.items);
    writeU32(out, i, c.ssrc);
    i += 4;
    for (const item of c.items) {
      out[i] = item.type;
      out[i + 1] = item.bytes.length;
      out.set(item.bytes, i + 2);
      i += 2 + item.bytes.length;
    }
    out.fill(0, i, end);
    i = end;
  }
}
