/**
 * ffmpeg and ffprobe as media peers (INTEROP.md's recipes): test-pattern
 * files made offline, and ffprobe as the oracle for what a test wrote.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requirePeer } from "./peers.js";

/** Debian's ffmpeg binary. */
export const FFMPEG = "/usr/bin/ffmpeg";
/** Debian's ffprobe binary (same package). */
export const FFPROBE = "/usr/bin/ffprobe";

/** Whether ffmpeg and ffprobe exist; under `CI=true` a missing one throws (see {@link requirePeer}). */
export function ffmpegAvailable(): boolean {
  return requirePeer(FFMPEG, "ffmpeg").available && requirePeer(FFPROBE, "ffmpeg").available;
}

/** A temporary directory and the function that removes it. */
export function tempDir(prefix = "purertc-media-"): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs ffmpeg (quiet, overwriting) with `args` then `output`, bounded to 60 s; returns the output's bytes. */
export function ffmpeg(args: readonly string[], output: string): Uint8Array {
  const r = spawnSync(FFMPEG, ["-hide_banner", "-loglevel", "error", "-y", ...args, output], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`ffmpeg failed (${String(r.status ?? r.signal)}): ${r.stderr}`);
  return new Uint8Array(readFileSync(output));
}

/** The shape of a test-pattern video. */
export interface TestVideo {
  /** `WxH`; default `320x240`. */
  size?: string;
  /** Frames per second; default 30. */
  rate?: number;
  /** Number of frames; default 45. */
  frames?: number;
  /** A key frame every `gop` frames; default 15. */
  gop?: number;
}

function pattern(v: TestVideo): string[] {
  const size = v.size ?? "320x240";
  const rate = v.rate ?? 30;
  return ["-f", "lavfi", "-i", `testsrc=size=${size}:rate=${rate}`, "-frames:v", String(v.frames ?? 45)];
}

/**
 * ffmpeg's arguments for the testsrc pattern encoded as H.264 (libx264
 * baseline, no B-frames, zerolatency), without an output or a format: for
 * tests that send it elsewhere (ffmpeg's RTP muxer, say).
 */
export function testH264Args(v: TestVideo = {}): string[] {
  return [
    ...pattern(v),
    "-pix_fmt",
    "yuv420p",
    "-c:v",
    "libx264",
    "-profile:v",
    "baseline",
    "-bf",
    "0",
    "-g",
    String(v.gop ?? 15),
    "-tune",
    "zerolatency",
  ];
}

/**
 * ffmpeg's testsrc as H.264 Annex-B ({@link testH264Args}) written to
 * `output` (`.h264`); returns its bytes.
 */
export function makeTestH264(output: string, v: TestVideo = {}): Uint8Array {
  return ffmpeg([...testH264Args(v), "-bsf:v", "h264_mp4toannexb"], output);
}

/** ffmpeg's arguments for the testsrc pattern encoded as VP8 (libvpx, realtime), without an output or a format. */
export function testVp8Args(v: TestVideo = {}): string[] {
  return [...pattern(v), "-c:v", "libvpx", "-deadline", "realtime", "-g", String(v.gop ?? 15)];
}

/** ffmpeg's testsrc as VP8 ({@link testVp8Args}) in IVF written to `output` (`.ivf`); returns its bytes. */
export function makeTestVp8(output: string, v: TestVideo = {}): Uint8Array {
  return ffmpeg(testVp8Args(v), output);
}

/** What ffprobe reads from a file's first stream: codec, size and the frames it decoded. */
export interface Probe {
  codec: string;
  width: number;
  height: number;
  frames: number;
}

/** ffprobe's view of `file` (it decodes every frame to count them), bounded to 60 s. */
export function ffprobe(file: string): Probe {
  const r = spawnSync(
    FFPROBE,
    [
      "-v",
      "error",
      "-count_frames",
      "-show_entries",
      "stream=codec_name,width,height,nb_read_frames",
      "-of",
      "json",
      file,
    ],
    { encoding: "utf8", timeout: 60_000 },
  );
  if (r.status !== 0) throw new Error(`ffprobe failed on ${file}: ${r.stderr}`);
  const s = (JSON.parse(r.stdout) as { streams: Record<string, string | number>[] }).streams[0];
  if (!s) throw new Error(`ffprobe found no stream in ${file}`);
  return {
    codec: String(s["codec_name"]),
    width: Number(s["width"]),
    height: Number(s["height"]),
    frames: Number(s["nb_read_frames"]),
  };
}
