import { type ChildProcess, fork } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { ask, type Message, started, stop } from "../child-ipc.js";
import type { ProfileSummary } from "../fanout/profile.js";
import { loadSource } from "../fanout/source.js";
import { type BenchRow, type BenchSuite, percentiles } from "../harness.js";

/**
 * Fan-out capacity: one 2 Mbit/s H.264 source (1280x720, 30 fps, made offline by ffmpeg; fanout/source.ts)
 * played into @purertc/rtsp-to-whep's FanOut and served by its WHEP endpoint in ONE process (the proxy,
 * fanout/proxy.ts), to N purertc WhepViewers in K OTHER processes (fanout/viewers.ts, up to
 * FANOUT_BENCH_PER_PROCESS each), over loopback: POST offer, ICE, DTLS-SRTP, RTP, RTCP.
 *
 * For N = 16, 32, 64, 128, 256 (--quick: 4, 8), each step with a fresh proxy, it measures in the proxy process:
 * CPU per viewer (process.cpuUsage over the window beyond the source alone, over N: a fraction of one core),
 * RSS and heap+buffers per viewer after GC (beyond the proxy with no viewer, over N), the event loop's
 * utilization; at the viewers: time from POST to the first complete frame (a viewer joining the N running
 * ones, median of 5 in turn; and the N joining at once, in the log), and every viewer's share
 * of the frames the source pushed in the window (full frame rate: every viewer >= 95 %). Stepping stops at
 * the first N that misses it or when the time budget is spent; the largest N before it is the capacity. A
 * CPU profile of the proxy (V8's sampler) over a window after each step says where its time goes. No
 * MediaMTX or go2rtc figure is put beside ours: neither publishes one measured this way.
 *
 * Environment: FANOUT_BENCH_STEPS ("16,32,64,128,256"), FANOUT_BENCH_PER_PROCESS (32; --quick 4),
 * FANOUT_BENCH_WINDOW_S (5; --quick 2), FANOUT_BENCH_BUDGET_S (900), FANOUT_BENCH_PROFILE_S (3; --quick 1; 0 = none).
 */

const proxyPath = fileURLToPath(new URL("../fanout/proxy.js", import.meta.url));
const viewersPath = fileURLToPath(new URL("../fanout/viewers.js", import.meta.url));
const FULL_RATE = 0.95;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const env = (name: string, fallback: string) => process.env[name] || fallback;

interface Step {
  n: number;
  processes: number;
  connected: number;
  /** Proxy CPU beyond the source alone, per viewer, fraction of a core. */
  cpuPerViewer: number;
  /** Proxy CPU with no viewer (the source, timers), fraction of a core. */
  idleCpu: number;
  /** Proxy CPU at N viewers, fraction of a core. */
  totalCpu: number;
  rssPerViewer: number;
  heapPerViewer: number;
  /** Every viewer joining at once: POST to first frame. */
  firstFrameMs: { median: number; p99: number };
  /** One viewer joining the N running ones (a few times in turn): POST to first frame, median. */
  lateJoinMs: number;
  minShare: number;
  medianShare: number;
  proxyElu: number;
  proxyLagP99Ms: number;
  viewerEluMax: number;
  dropped: number;
  load: number;
  profile: ProfileSummary | undefined;
}

interface CpuWindow {
  ms: number;
  wallMs: number;
  elu: number;
  lagP99Ms: number;
  /** Access units pushed in the window, and before it (the player's unit n has RTP timestamp n * 3000). */
  units: number;
  startUnits: number;
}

async function cpuWindow(proxy: ChildProcess, ms: number): Promise<CpuWindow> {
  const startUnits = Number((await ask(proxy, { cpu: "start" }, "cpu")).units);
  await sleep(ms);
  return { ...((await ask(proxy, { cpu: "stop" }, "cpu")).cpu as CpuWindow), startUnits };
}

async function measure(n: number, perProcess: number, windowMs: number, profileMs: number): Promise<Step> {
  const proxy = fork(proxyPath, [String(n + 2)], {
    execArgv: ["--expose-gc"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const children: ChildProcess[] = [];
  try {
    const url = (await started(proxy)).ready as string;
    await sleep(500);
    const idle = await cpuWindow(proxy, Math.min(windowMs, 2000));
    const before = (await ask(proxy, { measure: true }, "memory")).memory as { rss: number; heap: number };
    const processes = Math.ceil(n / perProcess);
    for (let p = 0; p < processes; p++) {
      const count = Math.min(perProcess, n - p * perProcess);
      const child = fork(viewersPath, [url, String(count)], {
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      children.push(child);
      await started(child);
    }
    // All processes connect at once, as viewers arriving together would.
    const connected = await Promise.all(
      children.map(async (c) => (await ask(c, { start: true }, "connected", 180_000)).connected as Message),
    );
    const firsts = connected.flatMap((c) => c.firstFrameMs as number[]);
    const ok = connected.reduce((sum, c) => sum + Number(c.ok), 0);
    await sleep(1000);
    const after = (await ask(proxy, { measure: true }, "memory")).memory as { rss: number; heap: number };
    const load = loadavg()[0]!;
    await Promise.all(children.map((c) => ask(c, { mark: true }, "marked")));
    const busy = await cpuWindow(proxy, windowMs);
    // Frames in flight (or paced) at the window's end still land: give them a second, then count by timestamp.
    await sleep(1000);
    const range = { from: (busy.startUnits * 3000) >>> 0, to: ((busy.startUnits + busy.units) * 3000) >>> 0 };
    const end = await Promise.all(children.map((c) => ask(c, { count: range }, "counts")));
    const shares = end.flatMap((m) => (m.counts as number[]).map((c) => c / Math.max(1, busy.units)));
    shares.sort((a, b) => a - b);
    const probes = (await ask(children[0]!, { probe: 5 }, "probe", 90_000)).probe as number[];
    const totals = (await ask(proxy, { totals: true }, "totals")).totals as { dropped: number };
    const profile =
      profileMs > 0
        ? ((await ask(proxy, { profile: profileMs }, "profile", profileMs + 30_000))
            .profile as ProfileSummary)
        : undefined;
    const cpu = (w: CpuWindow) => w.ms / w.wallMs;
    return {
      n,
      processes,
      connected: ok,
      cpuPerViewer: (cpu(busy) - cpu(idle)) / n,
      idleCpu: cpu(idle),
      totalCpu: cpu(busy),
      rssPerViewer: (after.rss - before.rss) / n,
      heapPerViewer: (after.heap - before.heap) / n,
      firstFrameMs: percentiles(firsts),
      lateJoinMs: percentiles(probes).median,
      // A viewer that never connected got nothing.
      minShare: ok < n ? 0 : (shares[0] ?? 0),
      medianShare: shares[Math.floor(shares.length / 2)] ?? 0,
      proxyElu: busy.elu,
      proxyLagP99Ms: busy.lagP99Ms,
      viewerEluMax: Math.max(...end.map((m) => Number(m.elu))),
      dropped: totals.dropped,
      load,
      profile,
    };
  } finally {
    await Promise.all(
      children
        .map((c) => (c.connected ? ask(c, { close: true }, "closed", 60_000) : undefined))
        .map((p) => p?.catch(() => undefined)),
    );
    if (proxy.connected) await ask(proxy, { close: true }, "closed", 60_000).catch(() => undefined);
    await Promise.all([...children, proxy].map((c) => stop(c)));
  }
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** The proxy's loop was busy but it got under half of a core of CPU for it: other load held the cores. */
const starved = (s: Step) => s.proxyElu > 0.8 && s.totalCpu / Math.max(1e-9, s.proxyElu) < 0.5;

/** What held a step that missed frames back; `cost`: CPU per viewer of the last step at full rate. */
function bound(s: Step, cost: number | undefined): string {
  const need = cost === undefined ? "" : `; at ${pct(cost)} a viewer it needs ${pct(cost * s.n)} of a core`;
  if (starved(s))
    return `the proxy was ready to run but got ${pct(s.totalCpu)} of a core (machine-bound: other load${need})`;
  if (s.proxyElu > 0.8) return `the proxy's one thread was saturated (proxy-bound${need})`;
  if (s.viewerEluMax > 0.8) return "a viewer process was saturated (viewer-bound)";
  return "neither process saturated (loss on loopback?)";
}

function describe(s: Step, cost: number | undefined): string {
  const areas = s.profile?.areas.map((a) => `${a.area} ${pct(a.share)}`).join(", ") ?? "-";
  const fns =
    s.profile?.functions
      .slice(0, 6)
      .map((f) => `${f.name} ${pct(f.share)}`)
      .join("; ") ?? "-";
  return (
    `  fanout N=${s.n} (${s.processes} viewer processes, ${s.connected} connected): proxy ${pct(s.totalCpu)} of a core ` +
    `(source alone ${pct(s.idleCpu)}), ${pct(s.cpuPerViewer)} core/viewer, event loop ${pct(s.proxyElu)} busy ` +
    `(CPU while busy ${pct(s.totalCpu / Math.max(1e-9, s.proxyElu))}) ` +
    `(delay p99 ${s.proxyLagP99Ms.toFixed(0)} ms), viewer processes up to ${pct(s.viewerEluMax)} busy, ` +
    `${(s.rssPerViewer / 1048576).toFixed(2)} MB RSS/viewer, ${(s.heapPerViewer / 1048576).toFixed(2)} MB heap/viewer, ` +
    `POST to first frame: one viewer joining ${s.lateJoinMs.toFixed(0)} ms, all ${s.n} at once ` +
    `${s.firstFrameMs.median.toFixed(0)} ms (p99 ${s.firstFrameMs.p99.toFixed(0)}), frames min ` +
    `${pct(s.minShare)} median ${pct(s.medianShare)}, fan-out drops ${s.dropped}, load average ${s.load.toFixed(1)}\n` +
    `${s.minShare < FULL_RATE ? `    missed frames: ${bound(s, cost)}\n` : ""}` +
    `    proxy profile: ${areas}\n    top functions: ${fns}\n`
  );
}

export const suite: BenchSuite = {
  name: "fanout",
  async run({ quick }) {
    loadSource(); // made once, before anything is timed
    const steps = env("FANOUT_BENCH_STEPS", quick ? "4,8" : "16,32,64,128,256")
      .split(",")
      .map(Number);
    const perProcess = Number(env("FANOUT_BENCH_PER_PROCESS", quick ? "4" : "32"));
    const windowMs = Number(env("FANOUT_BENCH_WINDOW_S", quick ? "2" : "5")) * 1000;
    const profileMs = Number(env("FANOUT_BENCH_PROFILE_S", quick ? "1" : "3")) * 1000;
    const budgetMs = Number(env("FANOUT_BENCH_BUDGET_S", "900")) * 1000;
    const t0 = performance.now();
    const done: Step[] = [];
    for (const n of steps) {
      if (performance.now() - t0 > budgetMs) {
        process.stderr.write(`  fanout: time budget spent, N=${n} not tried\n`);
        break;
      }
      const step = await measure(n, perProcess, windowMs, profileMs);
      done.push(step);
      process.stderr.write(describe(step, done.filter((d) => d.minShare >= FULL_RATE).at(-1)?.cpuPerViewer));
      if (step.minShare < FULL_RATE) break;
    }
    const largest = done.filter((s) => s.minShare >= FULL_RATE).at(-1);
    const rows: BenchRow[] = [];
    const row = (metric: string, unit: string, ours: number, higherIsBetter = false) =>
      rows.push({ metric, unit, ours, higherIsBetter });
    for (const s of done) {
      const tag = `N=${s.n}${s.minShare >= FULL_RATE ? "" : ` (only ${(s.minShare * 100).toFixed(0)} % of frames${starved(s) ? ", the proxy waiting for a core" : ""})`}`;
      row(`proxy CPU per viewer, ${tag}`, "% of a core", s.cpuPerViewer * 100);
      row(`proxy RSS per viewer, ${tag}`, "MB", s.rssPerViewer / 1048576);
      row(`proxy heap+buffers per viewer, ${tag}`, "MB", s.heapPerViewer / 1048576);
      row(`POST to first frame, one viewer joining (median of 5), ${tag}`, "ms", s.lateJoinMs);
      row(`frames received, worst viewer, ${tag}`, "%", s.minShare * 100, true);
      row(`proxy event loop busy, ${tag}`, "%", s.proxyElu * 100);
      // CPU time over busy time: well under 100 % means the proxy was ready to run but had no core (other load).
      row(
        `proxy CPU while busy (100 = never waiting for a core), ${tag}`,
        "%",
        (s.totalCpu / Math.max(1e-9, s.proxyElu)) * 100,
        true,
      );
      row(`machine load average (1 min, 2 cores), ${tag}`, "runnable", s.load);
    }
    row(`viewers at full frame rate (tried up to ${done.at(-1)?.n ?? 0})`, "viewers", largest?.n ?? 0, true);
    row("source alone in the proxy (2 Mbit/s, 30 fps)", "% of a core", (done[0]?.idleCpu ?? 0) * 100);
    // What one core could carry at the measured cost, were it the proxy's alone: a projection, not a measurement.
    const basis = largest ?? done[0];
    if (basis)
      row(
        `projection: viewers per core at N=${basis.n}'s cost (1 / CPU per viewer)`,
        "viewers",
        1 / Math.max(1e-9, basis.cpuPerViewer),
        true,
      );
    return rows;
  },
};
