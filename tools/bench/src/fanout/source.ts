import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { joinAnnexB, splitAnnexB } from "@purertc/rtp";
import type { AccessUnit, FanOut } from "@purertc/rtsp-to-whep";
import { startTimer } from "@purertc/socket";

/** Frames per second of the bench source. */
export const FPS = 30;

const FILE = join(tmpdir(), "purertc-bench-fanout-2mbps.h264");

/**
 * The bench's camera: a 2 Mbit/s H.264 file (1280x720, 30 fps, constrained baseline, a key frame every 2 s)
 * made offline by ffmpeg's libx264 into a temporary file (once), split into access units at its access unit
 * delimiters; key frames are those holding an IDR slice.
 */
export function loadSource(): AccessUnit[] {
  if (!existsSync(FILE)) {
    mkdirSync(tmpdir(), { recursive: true });
    execFileSync(
      "ffmpeg",
      [
        ...[
          "-hide_banner",
          "-loglevel",
          "error",
          "-y",
          "-f",
          "lavfi",
          "-i",
          "testsrc2=size=1280x720:rate=30",
        ],
        ...["-t", "10", "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency"],
        ...["-profile:v", "baseline", "-b:v", "2M", "-maxrate", "2M", "-bufsize", "2M", "-g", "60"],
        ...["-x264-params", "aud=1:repeat-headers=1", "-f", "h264", FILE],
      ],
      { timeout: 120_000 },
    );
  }
  // Access units start at each access unit delimiter (NAL type 9); key frames hold an IDR slice (type 5).
  const units: AccessUnit[] = [];
  let current: Uint8Array[] = [];
  const flush = () => {
    if (current.length === 0) return;
    const keyframe = current.some((nal) => (nal[0]! & 0x1f) === 5);
    units.push({ data: joinAnnexB(current.filter((nal) => (nal[0]! & 0x1f) !== 9)), timestamp: 0, keyframe });
    current = [];
  };
  for (const nal of splitAnnexB(readFileSync(FILE))) {
    if ((nal[0]! & 0x1f) === 9) flush();
    current.push(nal);
  }
  flush();
  return units;
}

/** Pushes the file's access units into a FanOut at 30 fps, looping, with continuous 90 kHz timestamps. */
export class Player {
  private n = 0;
  private cancel: (() => void) | undefined;
  private readonly started = performance.now();

  constructor(
    private readonly units: readonly AccessUnit[],
    private readonly fanOut: FanOut,
  ) {
    this.tick();
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  private readonly tick = () => {
    // Catch up to the wall clock: a late timer never slows the source.
    const due = Math.floor(((performance.now() - this.started) * FPS) / 1000);
    while (this.n <= due) {
      const unit = this.units[this.n % this.units.length]!;
      this.fanOut.push({ data: unit.data, keyframe: unit.keyframe, timestamp: (this.n * 3000) >>> 0 });
      this.n++;
    }
    this.cancel = startTimer(this.tick, 1000 / FPS / 2);
  };
}
