import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A temp directory removed by the returned function. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "purertc-rtp-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs ffmpeg with the given arguments (recipe of INTEROP.md) and returns the output file's bytes. */
export function ffmpeg(args: string[], output: string): Uint8Array {
  const r = spawnSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", ...args, output], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
  return new Uint8Array(readFileSync(output));
}

/** An H.264 Annex-B stream of testsrc, baseline, a key frame every `gop` frames. */
export function makeH264(dir: string, size = "320x240", frames = 45, gop = 15): Uint8Array {
  return ffmpeg(
    [
      "-f",
      "lavfi",
      "-i",
      `testsrc=size=${size}:rate=30`,
      "-frames:v",
      String(frames),
      "-pix_fmt",
      "yuv420p",
      "-c:v",
      "libx264",
      "-profile:v",
      "baseline",
      "-bf",
      "0",
      "-g",
      String(gop),
      "-tune",
      "zerolatency",
      "-bsf:v",
      "h264_mp4toannexb",
    ],
    join(dir, "in.h264"),
  );
}

/** What ffprobe reads from a file: codec, size and the number of frames it decoded. */
export interface Probe {
  codec: string;
  width: number;
  height: number;
  frames: number;
}

/** ffprobe as the oracle for what we wrote (INTEROP.md). */
export function ffprobe(file: string): Probe {
  const r = spawnSync(
    "ffprobe",
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
  if (r.status !== 0) throw new Error(`ffprobe failed: ${r.stderr}`);
  const s = (JSON.parse(r.stdout) as { streams: Record<string, string | number>[] }).streams[0]!;
  return {
    codec: String(s["codec_name"]),
    width: Number(s["width"]),
    height: Number(s["height"]),
    frames: Number(s["nb_read_frames"]),
  };
}
