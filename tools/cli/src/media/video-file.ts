import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import {
  h264NalType,
  ivfFileHeader,
  ivfFrame,
  joinAnnexB,
  OggOpusWriter,
  parseIvf,
  parseVp8FrameHeader,
  RtpError,
  splitH264AccessUnits,
} from "@purertc/rtp";

/** An encoded video file read whole: its frames in order, their rate. */
export interface VideoFile {
  mimeType: "video/H264" | "video/VP8";
  frames: { data: Uint8Array; keyframe: boolean }[];
  /** Frames per second (IVF's time base, or the caller's for Annex-B, which has none). */
  fps: number;
}

/** Largest file `--send-video` reads (it is held in memory). */
const MAX_FILE = 256 * 1024 * 1024;

/**
 * Reads an Annex-B H.264 file (`.h264`, `.264`: access units by ITU-T
 * H.264 §7.4.1.2.3) or an IVF VP8 file (`.ivf`).
 * @throws Error for another extension, a file too large, or a bad container
 */
export function readVideoFile(path: string, fps = 30): VideoFile {
  const bytes = readFileSync(path);
  if (bytes.length > MAX_FILE) throw new Error(`${path}: larger than ${MAX_FILE} bytes`);
  if (/\.(h264|264)$/i.test(path)) {
    const frames = splitH264AccessUnits(bytes).map((nalus) => ({
      data: joinAnnexB(nalus),
      keyframe: nalus.some((n) => h264NalType(n) === 5),
    }));
    return { mimeType: "video/H264", frames, fps };
  }
  if (/\.ivf$/i.test(path)) {
    const { header, frames } = parseIvf(bytes);
    if (header.fourcc !== "VP80") throw new Error(`${path}: IVF of ${header.fourcc}, only VP80 is sent`);
    const rate = header.timebaseNumerator > 0 ? header.timebaseDenominator / header.timebaseNumerator : fps;
    return {
      mimeType: "video/VP8",
      frames: frames.map((f) => ({ data: f.data, keyframe: (f.data[0]! & 0x01) === 0 })),
      fps: rate > 0 && rate <= 240 ? rate : fps,
    };
  }
  throw new Error(`${path}: give a .h264 (Annex-B) or .ivf (VP8) file`);
}

/**
 * Writes a received track to a file: VP8 to IVF (header from the first key
 * frame's size), H.264 as Annex-B, Opus as Ogg. Frames before the first
 * key frame are skipped (nothing could decode them).
 */
export class TrackFile {
  readonly path: string;
  frames = 0;
  bytes = 0;
  private fd: number;
  private started = false;
  private ogg: OggOpusWriter | undefined;
  private firstTimestamp = 0;

  constructor(
    base: string,
    private readonly mimeType: string,
  ) {
    const ext = mimeType === "video/VP8" ? "ivf" : mimeType === "video/H264" ? "h264" : "ogg";
    this.path = `${base}.${ext}`;
    this.fd = openSync(this.path, "w");
    if (mimeType === "audio/opus") {
      this.ogg = new OggOpusWriter();
      this.write(this.ogg.headers());
    }
  }

  private write(bytes: Uint8Array): void {
    if (this.fd < 0) return;
    writeSync(this.fd, bytes);
  }

  /** Appends one frame (RTP timestamp in the codec's clock). */
  frame(data: Uint8Array, timestamp: number, keyframe: boolean): void {
    if (this.fd < 0) return;
    if (!this.started) {
      if (!keyframe) return;
      this.started = true;
      this.firstTimestamp = timestamp;
      if (this.mimeType === "video/VP8") {
        const h = parseVp8FrameHeader(data);
        this.write(
          ivfFileHeader({
            fourcc: "VP80",
            width: h.width ?? 0,
            height: h.height ?? 0,
            timebaseDenominator: 90000,
            timebaseNumerator: 1,
            frameCount: 0,
          }),
        );
      }
    }
    this.frames++;
    this.bytes += data.length;
    if (this.ogg) this.opus(data);
    else if (this.mimeType === "video/VP8") {
      this.write(ivfFrame({ timestamp: (timestamp - this.firstTimestamp) >>> 0, data }));
    } else this.write(data);
  }

  /** One Opus packet as its own page; a packet with a malformed TOC is left out (a file, not a verdict). */
  private opus(data: Uint8Array): void {
    try {
      this.write(this.ogg!.packet(data));
    } catch (error) {
      if (!(error instanceof RtpError)) throw error;
    }
  }

  /** Finishes the file (IVF frame count, Ogg end of stream) and closes it. Idempotent. */
  close(): void {
    if (this.fd < 0) return;
    if (this.ogg) this.write(this.ogg.end());
    if (this.mimeType === "video/VP8" && this.started) {
      const count = new Uint8Array(4);
      new DataView(count.buffer).setUint32(0, this.frames, true);
      writeSync(this.fd, count, 0, 4, 24);
    }
    closeSync(this.fd);
    this.fd = -1;
  }
}
