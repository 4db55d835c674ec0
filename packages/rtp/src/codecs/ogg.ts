import { randomInt } from "node:crypto";
import { RtpError } from "../errors.js";
import { opusPacketSamples } from "./opus.js";

// Ogg (RFC 3533) pages carrying Opus (RFC 7845): what a receiver writes an incoming Opus track to, and reads
// test input from.

/** CRC-32 of Ogg pages: polynomial 0x04c11db7, not reflected, initial value 0 (RFC 3533 §6). */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

function oggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++)
    crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ bytes[i]!) & 0xff]!) >>> 0;
  return crc;
}

const FLAG_CONTINUED = 0x01;
const FLAG_BOS = 0x02;
const FLAG_EOS = 0x04;

/** Builds one Ogg page holding whole packets (each under 65,025 bytes, the lacing limit of one page). */
function page(
  packets: readonly Uint8Array[],
  flags: number,
  granule: bigint,
  serial: number,
  sequence: number,
): Uint8Array {
  const lacing: number[] = [];
  for (const p of packets) {
    for (let left = p.length; ; left -= 255) {
      lacing.push(Math.min(255, left));
      if (left < 255) break;
    }
  }
  if (lacing.length > 255) throw new RtpError("ERR_INVALID_ARGUMENT", "packets too large for one Ogg page");
  const bodyLength = packets.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(27 + lacing.length + bodyLength);
  const view = new DataView(out.buffer);
  out.set([0x4f, 0x67, 0x67, 0x53]); // OggS
  out[4] = 0; // version
  out[5] = flags;
  view.setBigInt64(6, granule, true);
  view.setUint32(14, serial, true);
  view.setUint32(18, sequence, true);
  out[26] = lacing.length;
  out.set(lacing, 27);
  let offset = 27 + lacing.length;
  for (const p of packets) {
    out.set(p, offset);
    offset += p.length;
  }
  view.setUint32(22, oggCrc(out), true);
  return out;
}

/** Options of {@link OggOpusWriter}. */
export interface OggOpusWriterOptions {
  /** 1 or 2 (RFC 7587 always signals 2 in SDP; the stream may be mono). Default 2. */
  channels?: number;
  /** Samples (48 kHz) the decoder drops at the start (RFC 7845 §5.1). Default 0: RTP streams start mid-way. */
  preSkip?: number;
  /** The original input sample rate, informational. Default 48000. */
  inputSampleRate?: number;
  /** Vendor string of the OpusTags header. */
  vendor?: string;
}

/**
 * Writes an Ogg Opus stream (RFC 7845): the identification and comment header pages, then one page per Opus
 * packet with its granule position (48 kHz samples so far), and an end-of-stream page. Each method returns the
 * bytes to append to the file.
 */
export class OggOpusWriter {
  private readonly serial = randomInt(0, 0x7fffffff);
  private sequence = 0;
  private granule = 0n;
  private readonly options: Required<OggOpusWriterOptions>;

  constructor(options: OggOpusWriterOptions = {}) {
    this.options = {
      channels: options.channels ?? 2,
      preSkip: options.preSkip ?? 0,
      inputSampleRate: options.inputSampleRate ?? 48000,
      vendor: options.vendor ?? "purertc",
    };
  }

  /** The two header pages: OpusHead (beginning of stream) and OpusTags. */
  headers(): Uint8Array {
    const head = new Uint8Array(19);
    const view = new DataView(head.buffer);
    head.set(new TextEncoder().encode("OpusHead"));
    head[8] = 1; // version
    head[9] = this.options.channels;
    view.setUint16(10, this.options.preSkip, true);
    view.setUint32(12, this.options.inputSampleRate, true);
    view.setInt16(16, 0, true); // output gain
    head[18] = 0; // channel mapping family 0: mono or stereo
    const vendor = new TextEncoder().encode(this.options.vendor);
    const tags = new Uint8Array(8 + 4 + vendor.length + 4);
    tags.set(new TextEncoder().encode("OpusTags"));
    new DataView(tags.buffer).setUint32(8, vendor.length, true);
    tags.set(vendor, 12);
    const first = page([head], FLAG_BOS, 0n, this.serial, this.sequence++);
    const second = page([tags], 0, 0n, this.serial, this.sequence++);
    const out = new Uint8Array(first.length + second.length);
    out.set(first);
    out.set(second, first.length);
    return out;
  }

  /**
   * One audio page holding `packet`.
   * @throws RtpError `ERR_BAD_PAYLOAD` when the packet's TOC is malformed
   */
  packet(packet: Uint8Array): Uint8Array {
    this.granule += BigInt(opusPacketSamples(packet));
    return page([packet], 0, this.granule, this.serial, this.sequence++);
  }

  /** The end-of-stream page (no packet, the final granule position). */
  end(): Uint8Array {
    return page([], FLAG_EOS, this.granule, this.serial, this.sequence++);
  }
}

/** A packet read from an Ogg stream with the granule position of the page that completed it. */
export interface OggPacket {
  readonly data: Uint8Array;
  readonly granule: bigint;
}

/**
 * Reads the packets of a single-stream Ogg file (pages checked by their CRC), joining packets continued across
 * pages.
 * @throws RtpError `ERR_BAD_CONTAINER` for a missing capture pattern, a bad CRC or a page overrunning the file
 */
export function parseOgg(bytes: Uint8Array): OggPacket[] {
  const out: OggPacket[] = [];
  let pending: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (offset + 27 > bytes.length)
      throw new RtpError("ERR_BAD_CONTAINER", "Ogg page header overruns the file");
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset);
    if (view.getUint32(0) !== 0x4f676753)
      throw new RtpError("ERR_BAD_CONTAINER", "no OggS capture pattern (RFC 3533 §6)");
    const segments = bytes[offset + 26]!;
    const headerLength = 27 + segments;
    if (offset + headerLength > bytes.length)
      throw new RtpError("ERR_BAD_CONTAINER", "Ogg lacing overruns the file");
    const lacing = bytes.subarray(offset + 27, offset + headerLength);
    const bodyLength = lacing.reduce((n, v) => n + v, 0);
    const end = offset + headerLength + bodyLength;
    if (end > bytes.length) throw new RtpError("ERR_BAD_CONTAINER", "Ogg page overruns the file");
    const copy = new Uint8Array(bytes.subarray(offset, end)); // a copy: the CRC field is zeroed to check it
    copy.fill(0, 22, 26);
    if (oggCrc(copy) !== view.getUint32(22, true))
      throw new RtpError("ERR_BAD_CONTAINER", "Ogg page CRC mismatch");
    const granule = view.getBigInt64(6, true);
    if (!(bytes[offset + 5]! & FLAG_CONTINUED)) pending = [];
    let at = offset + headerLength;
    let start = at;
    for (const value of lacing) {
      at += value;
      if (value < 255) {
        pending.push(bytes.subarray(start, at));
        out.push({ data: concat(pending), granule });
        pending = [];
        start = at;
      }
    }
    if (start < at) pending.push(bytes.subarray(start, at));
    offset = end;
  }
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
