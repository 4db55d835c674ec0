import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { joinAnnexB, splitAnnexB } from "@purertc/rtp";
import {
  type AccessUnit,
  FanOut,
  PeerConnectionWhepFactory,
  WhepServer,
  WhepViewer,
} from "@purertc/rtsp-to-whep";
import { startTimer } from "@purertc/socket";
import { forceGc } from "@purertc/socket/testing";
import { type BenchRow, type BenchSuite, percentiles } from "../harness.js";

/**
 * Fan-out: one 2 Mbit/s H.264 source (1280x720, 30 fps, constrained baseline, a key frame every 2 s, made
 * offline by ffmpeg's libx264 into a temporary file) pushed at 30 fps into @purertc/rtsp-to-whep's FanOut,
 * served by its WHEP endpoint to N purertc WhepViewers in the same process over loopback (POST offer,
 * ICE, DTLS-SRTP, RTP, NACK/RTCP on both ends).
 *
 * For N = 1, 2, 4, … it measures, over a steady window: CPU per viewer (process CPU time, user+system,
 * beyond the source alone, divided by N and by the window: the fraction of one core; it includes the
 * viewers' own receive side, since they run in the same process), memory per viewer (RSS and heap after
 * GC, beyond the source alone, over N), time from POST to the first frame at the viewer (median), and
 * whether every viewer got at least 95 % of the frames (full frame rate). It stops at the first N that
 * misses it: the largest N before is the row "viewers at full frame rate". No peer figure: MediaMTX and
 * go2rtc publish none measured this way, so ours stand alone.
 */

const FPS = 30;
const FILE = join(tmpdir(), "purertc-bench-fanout-2mbps.h264");

function makeSource(): AccessUnit[] {
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

/** Pushes the file's access units into `fanOut` at 30 fps, looping, with continuous 90 kHz timestamps. */
class Player {
  private n = 0;
  private cancel: (() => void) | undefined;
  private readonly started = performance.now();

  constructor(
    private readonly units: AccessUnit[],
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function memory(): Promise<{ rss: number; heap: number }> {
  await forceGc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed + m.external + m.arrayBuffers };
}

interface Step {
  n: number;
  cpuPerViewer: number;
  rssPerViewer: number;
  heapPerViewer: number;
  firstFrameMs: number;
  minFrameShare: number;
  /** Access units the fan-out dropped for viewers that fell behind (their queue overflowed). */
  dropped: number;
}

async function measure(n: number, windowMs: number, units: AccessUnit[], idleCpu: number): Promise<Step> {
  const fanOut = new FanOut();
  const factory = new PeerConnectionWhepFactory({ fanOut });
  const server = await WhepServer.listen({ factory, maxSessions: n + 1 });
  const player = new Player(units, fanOut);
  const viewers: WhepViewer[] = [];
  try {
    await sleep(300);
    const before = await memory();
    const counts: number[] = [];
    const firsts: number[] = [];
    for (let i = 0; i < n; i++) {
      counts.push(0);
      const posted = performance.now();
      viewers.push(
        await WhepViewer.connect(server.url, {
          onFrame: () => {
            counts[i] = (counts[i] ?? 0) + 1;
            if (counts[i] === 1) firsts.push(performance.now() - posted);
          },
        }),
      );
    }
    const deadline = performance.now() + 15_000;
    while (firsts.length < n && performance.now() < deadline) await sleep(20);
    await sleep(1000);
    const after = await memory();
    const start = counts.slice();
    const pushed = fanOut.unitsIn;
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    await sleep(windowMs);
    const used = process.cpuUsage(cpu);
    const elapsed = performance.now() - t0;
    const expected = fanOut.unitsIn - pushed;
    const shares = counts.map((c, i) => (c - start[i]!) / expected);
    const cpuShare = (used.user + used.system) / 1000 / elapsed;
    return {
      n,
      cpuPerViewer: (cpuShare - idleCpu) / n,
      rssPerViewer: (after.rss - before.rss) / n,
      heapPerViewer: (after.heap - before.heap) / n,
      firstFrameMs: percentiles(firsts).median,
      minFrameShare: firsts.length < n ? 0 : Math.min(...shares),
      dropped: factory.totals.dropped,
    };
  } finally {
    player.stop();
    await Promise.all(viewers.map((v) => v.close()));
    await server.close();
    fanOut.close();
  }
}

/** CPU of the source alone (fan-out with no viewer), as a fraction of a core. */
async function idle(windowMs: number, units: AccessUnit[]): Promise<number> {
  const fanOut = new FanOut();
  const player = new Player(units, fanOut);
  await sleep(300);
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await sleep(windowMs);
  const used = process.cpuUsage(cpu);
  const share = (used.user + used.system) / 1000 / (performance.now() - t0);
  player.stop();
  return share;
}

export const suite: BenchSuite = {
  name: "fanout",
  async run({ quick }) {
    const units = makeSource();
    const windowMs = quick ? 2000 : 5000;
    const maxN = quick ? 8 : 64;
    const idleCpu = await idle(windowMs, units);
    // A throwaway round first: module loading, JIT and pools are not per-viewer costs.
    await measure(2, 1000, units, idleCpu);
    const steps: Step[] = [];
    for (let n = 1; n <= maxN; n *= 2) {
      const step = await measure(n, windowMs, units, idleCpu);
      steps.push(step);
      process.stderr.write(
        `  fanout N=${n}: ${(step.cpuPerViewer * 100).toFixed(1)} % core/viewer, ${(step.rssPerViewer / 1048576).toFixed(2)} MB RSS/viewer, first frame ${step.firstFrameMs.toFixed(0)} ms, min frame share ${(step.minFrameShare * 100).toFixed(1)} %, fan-out drops ${step.dropped}\n`,
      );
      if (step.minFrameShare < 0.95) break;
    }
    const full = steps.filter((s) => s.minFrameShare >= 0.95);
    const largest = full.at(-1);
    const rows: BenchRow[] = [];
    for (const s of steps) {
      const tag = `${s.n} viewer${s.n === 1 ? "" : "s"}${s.minFrameShare >= 0.95 ? "" : ` (only ${(s.minFrameShare * 100).toFixed(0)} % of frames)`}`;
      rows.push({
        metric: `CPU per viewer, ${tag}`,
        unit: "% of a core",
        ours: s.cpuPerViewer * 100,
        higherIsBetter: false,
      });
      rows.push({
        metric: `RSS per viewer, ${tag}`,
        unit: "MB",
        ours: s.rssPerViewer / 1048576,
        higherIsBetter: false,
      });
      rows.push({
        metric: `heap+buffers per viewer, ${tag}`,
        unit: "MB",
        ours: s.heapPerViewer / 1048576,
        higherIsBetter: false,
      });
      rows.push({
        metric: `POST to first frame (median), ${tag}`,
        unit: "ms",
        ours: s.firstFrameMs,
        higherIsBetter: false,
      });
    }
    rows.push({
      metric: `viewers at full frame rate (tried up to ${steps.at(-1)?.n ?? 0})`,
      unit: "viewers",
      ours: largest?.n ?? 0,
      higherIsBetter: true,
    });
    rows.push({
      metric: "source alone (2 Mbit/s, 30 fps)",
      unit: "% of a core",
      ours: idleCpu * 100,
      higherIsBetter: false,
    });
    return rows;
  },
};
