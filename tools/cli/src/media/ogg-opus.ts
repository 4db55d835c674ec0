import { opusPacketSamples } from "@purertc/rtp";

/**
 * A minimal Ogg Opus writer (RFC 7845 in Ogg, RFC 3533): an OpusHead page,
 * an OpusTags page, then one page per Opus packet with the granule position
 * counting 48 kHz samples. Enough for ffprobe and players to read what was
 * received.
 */

const CRC_TABLE = (() => {
  // Ogg's CRC-32: polynomial 0x04c11db7, not reflected, initial value 0 (RFC 3533 §6).
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

function crc(bytes: Uint8Array): number {
  let c = 0;
  for (const b of bytes) c = ((c << 8) ^ CRC_TABLE[((c >>> 24) ^ b) & 0xff]!) >>> 0;
  return c;
}

/** Pre-skip (RFC 7845 §4.2): libopus's default encoder delay, 312 samples at 48 kHz. */
const PRE_SKIP = 312;

export class OggOpusWriter {
  private sequence = 0;
  private granule = 0n;
  private readonly serial = (Math.random() * 0xffffffff) >>> 0;

  constructor(private readonly write: (bytes: Uint8Array) => void) {
    const head = new Uint8Array(19);
    const view = new DataView(head.buffer);
    head.set(new TextEncoder().encode("OpusHead"));
    head[8] = 1; // version
    head[9] = 2; // channels (WebRTC's opus/48000/2)
    view.setUint16(10, PRE_SKIP, true);
    view.setUint32(12, 48000, true);
    view.setInt16(16, 0, true);
    head[18] = 0; // mapping family 0
    this.page(head, 0x02, 0n);
    const vendor = new TextEncoder().encode("purertc");
    const tags = new Uint8Array(8 + 4 + vendor.length + 4);
    tags.set(new TextEncoder().encode("OpusTags"));
    new DataView(tags.buffer).setUint32(8, vendor.length, true);
    tags.set(vendor, 12);
    this.page(tags, 0, 0n);
  }

  /** Appends one Opus packet (its own page). */
  packet(data: Uint8Array): void {
    if (data.length === 0 || data.length > 255 * 255) return;
    this.granule += BigInt(opusPacketSamples(data));
    this.page(data, 0, this.granule);
  }

  /** Writes an empty end-of-stream page. */
  end(): void {
    this.page(new Uint8Array(0), 0x04, this.granule);
  }

  private page(data: Uint8Array, flags: number, granule: bigint): void {
    const segments: number[] = [];
    let left = data.length;
    while (left >= 255) {
      segments.push(255);
      left -= 255;
    }
    segments.push(left);
    const header = new Uint8Array(27 + segments.length);
    const view = new DataView(header.buffer);
    header.set(new TextEncoder().encode("OggS"));
    header[4] = 0;
    header[5] = flags;
    view.setBigUint64(6, granule, true);
    view.setUint32(14, this.serial, true);
    view.setUint32(18, this.sequence++, true);
    header[26] = segments.length;
    header.set(segments, 27);
    const page = new Uint8Array(header.length + data.length);
    page.set(header);
    page.set(data, header.length);
    new DataView(page.buffer).setUint32(22, crc(page), true);
    this.write(page);
  }
}
