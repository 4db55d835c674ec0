import { RtpError } from "../errors.js";

/** The 32-byte IVF file header (the container of libvpx and ffmpeg for VP8/VP9). */
export interface IvfHeader {
  /** "VP80" for VP8. */
  readonly fourcc: string;
  readonly width: number;
  readonly height: number;
  /** Time base: timestamps are in units of numerator/denominator seconds. */
  readonly timebaseDenominator: number;
  readonly timebaseNumerator: number;
  readonly frameCount: number;
}

/** One IVF frame: its timestamp (in time base units) and data (a view). */
export interface IvfFrame {
  readonly timestamp: number;
  readonly data: Uint8Array;
}

/**
 * Reads an IVF file: header and frames (views of `bytes`).
 * @throws RtpError `ERR_BAD_CONTAINER` for a bad signature or a frame overrunning the file
 */
export function parseIvf(bytes: Uint8Array): { header: IvfHeader; frames: IvfFrame[] } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 32 || String.fromCharCode(...bytes.subarray(0, 4)) !== "DKIF")
    throw new RtpError("ERR_BAD_CONTAINER", "not an IVF file (no DKIF signature)");
  const headerLength = view.getUint16(6, true);
  if (headerLength < 32 || headerLength > bytes.length)
    throw new RtpError("ERR_BAD_CONTAINER", "bad IVF header length");
  const header: IvfHeader = {
    fourcc: String.fromCharCode(...bytes.subarray(8, 12)),
    width: view.getUint16(12, true),
    height: view.getUint16(14, true),
    timebaseDenominator: view.getUint32(16, true),
    timebaseNumerator: view.getUint32(20, true),
    frameCount: view.getUint32(24, true),
  };
  const frames: IvfFrame[] = [];
  let offset = headerLength;
  while (offset < bytes.length) {
    if (offset + 12 > bytes.length)
      throw new RtpError("ERR_BAD_CONTAINER", "IVF frame header overruns the file");
    const size = view.getUint32(offset, true);
    const timestamp = Number(view.getBigUint64(offset + 4, true));
    if (offset + 12 + size > bytes.length)
      throw new RtpError("ERR_BAD_CONTAINER", "IVF frame overruns the file");
    frames.push({ timestamp, data: bytes.subarray(offset + 12, offset + 12 + size) });
    offset += 12 + size;
  }
  return { header, frames };
}

/** Writes the 32-byte IVF file header. */
export function ivfFileHeader(header: IvfHeader): Uint8Array {
  const out = new Uint8Array(32);
  const view = new DataView(out.buffer);
  out.set([0x44, 0x4b, 0x49, 0x46]); // DKIF
  view.setUint16(4, 0, true);
  view.setUint16(6, 32, true);
  for (let i = 0; i < 4; i++) out[8 + i] = header.fourcc.charCodeAt(i) & 0xff;
  view.setUint16(12, header.width, true);
  view.setUint16(14, header.height, true);
  view.setUint32(16, header.timebaseDenominator, true);
  view.setUint32(20, header.timebaseNumerator, true);
  view.setUint32(24, header.frameCount, true);
  return out;
}

/** Writes one IVF frame: its 12-byte header and data. */
export function ivfFrame(frame: IvfFrame): Uint8Array {
  const out = new Uint8Array(12 + frame.data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, frame.data.length, true);
  view.setBigUint64(4, BigInt(frame.timestamp), true);
  out.set(frame.data, 12);
  return out;
}
