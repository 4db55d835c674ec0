import "reflect-metadata";
import { performance as perf } from "node:perf_hooks";
import { WhepViewer } from "@purertc/rtsp-to-whep";

/**
 * The viewers of the fan-out bench: argv[3] purertc WhepViewers in one
 * process (forked by suites/fanout.ts), each POSTing its offer to the WHEP
 * endpoint argv[2], at most 4 connecting at once. Out: `{ ready: true }`,
 * then `{ connected: { ok, failed, firstFrameMs } }` once every viewer has
 * its first frame (or 20 s passed); in: `{ mark: true }` → `{ marked }` (starts a window),
 * `{ count: { from, to } }` → `{ counts, elu }` (frames per viewer with an RTP timestamp in
 * [from, to) since the mark, event loop utilization since the mark),
 * `{ probe: k }` → `{ probe: [ms…] }` (one more viewer joins and leaves, k times: POST to
 * first frame), `{ close: true }` (DELETE each) → `{ closed: true }`.
 */

const endpoint = process.argv[2]!;
const count = Number(process.argv[3]);
const send = (m: unknown) => process.send!(m);
const viewers: WhepViewer[] = [];
const counts = new Array<number>(count).fill(0);
/** RTP timestamps of the frames each viewer got since the last mark (the window's frames are counted by them). */
const stamps: number[][] = Array.from({ length: count }, () => []);
const firsts: number[] = [];
let failed = 0;
let elu = perf.eventLoopUtilization();

async function connect(i: number): Promise<void> {
  const posted = performance.now();
  try {
    viewers.push(
      await WhepViewer.connect(endpoint, {
        onFrame: (frame) => {
          stamps[i]!.push(frame.timestamp);
          counts[i] = (counts[i] ?? 0) + 1;
          if (counts[i] === 1) firsts.push(performance.now() - posted);
        },
      }),
    );
  } catch (error) {
    failed++;
    process.stderr.write(`viewer ${i}: ${String(error)}\n`);
  }
}

async function start(): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await connect(next++);
  };
  await Promise.all([lane(), lane(), lane(), lane()]);
  const deadline = performance.now() + 20_000;
  while (firsts.length < count - failed && performance.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 50));
  send({ connected: { ok: viewers.length, failed, firstFrameMs: firsts } });
}

/** One more viewer joins the running stream, `times` times in turn: POST to its first frame, ms each. */
async function probe(times: number): Promise<number[]> {
  const out: number[] = [];
  for (let k = 0; k < times; k++) {
    const posted = performance.now();
    let first: ((ms: number) => void) | undefined;
    const got = new Promise<number>((resolve) => {
      first = resolve;
    });
    const viewer = await WhepViewer.connect(endpoint, {
      onFrame: () => {
        first?.(performance.now() - posted);
        first = undefined;
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const ms = await Promise.race([
      got,
      new Promise<number>((r) => (timer = setTimeout(() => r(Number.NaN), 10_000))),
    ]);
    clearTimeout(timer);
    out.push(ms);
    await viewer.close();
  }
  return out;
}

process.on("disconnect", () => process.exit(0));
process.on("message", async (m: Record<string, unknown>) => {
  if (m.start) void start();
  else if (m.probe) send({ probe: await probe(Number(m.probe)) });
  else if (m.mark) {
    for (const s of stamps) s.length = 0;
    elu = perf.eventLoopUtilization();
    send({ marked: true });
  } else if (m.count) {
    // Frames whose RTP timestamp lies in [from, to): the units the source pushed in the window, wherever
    // they arrived (a late or paced frame still counts; one from before the window does not).
    const { from, to } = m.count as { from: number; to: number };
    const span = (to - from) >>> 0;
    const got = stamps.map((s) => s.filter((t) => (t - from) >>> 0 < span).length);
    send({ counts: got, elu: perf.eventLoopUtilization(elu).utilization });
  } else if (m.close) {
    await Promise.all(viewers.map((v) => v.close().catch(() => undefined)));
    send({ closed: true });
    process.disconnect();
  }
});
send({ ready: true });
