import "reflect-metadata";
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ask, type Message, started, stop } from "../child-ipc.js";
import { percentiles } from "../harness.js";
import { cleanupHalves, type Description, type Half, type HalfStack, halfMaker } from "./halves.js";

/**
 * The data-channel open with the two peers in two processes (run by
 * suites/datachannel.ts): `node offerer.js <stack> [quick]` forks the
 * answerer (answerer.ts), measures the IPC round trip, then opens fresh
 * pairs, offer/answer and trickled candidates over IPC, each timed as the
 * one-process rows are: create of the offerer's PeerConnection → its
 * channel's `open`, with the CPU each process spent on it (what runs in
 * parallel shows as wall < offerer + answerer CPU), then a bulk transfer
 * of 64 KiB messages over one more pair. Prints one JSON line; the child is stopped (SIGKILL by
 * its handle if it lingers) whatever happens.
 *
 * `node offerer.js <stack> opens=N` (a tool, not a bench row): N opens after WARMUP=n warm-up
 * opens (default 20), each followed by an open with both peers in this process, so that the two
 * arrangements are compared under the same load (an A/B by CPU time); no transfer. Run it under
 * `node --cpu-prof` to profile both processes (the forked answerer inherits the flag). Both
 * arrangements share this process's certificate and ML-KEM pools, so an open may find the pool
 * emptied by the other.
 */

const stack = process.argv[2] as HalfStack;
const makeHalf = await halfMaker(stack);
const quick = process.argv[3] === "quick";
/** `opens=N`: N measured opens, each beside one with both peers here, and no bulk transfer. */
const opensOnly = /^opens=(\d+)$/.exec(process.argv[3] ?? "");
const answererPath = fileURLToPath(new URL("./answerer.js", import.meta.url));

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${stack}: ${what} took over ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

const child = fork(answererPath, [stack], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
const halves = new Map<number, Half>();
const answers = new Map<number, (d: Description) => void>();
/** Rejects the open in progress when the answerer reports an error or exits. */
let fail: (e: Error) => void = () => {};
child.on("message", (m: Message) => {
  if (m.answer) {
    const { id, description } = m.answer as { id: number; description: Description };
    answers.get(id)?.(description);
  } else if (m.candidate) {
    const { id, candidate } = m.candidate as { id: number; candidate: unknown };
    halves.get(id)?.addCandidate(candidate);
  } else if (m.error) fail(new Error(String(m.error)));
});
child.on("exit", (code) => fail(new Error(`answerer exited (${code})`)));

/** What one open took: wall ms, and the CPU ms each process spent on it. */
interface Open {
  ms: number;
  /** The offerer's process, create → open. */
  offererCpuMs: number;
  /** The answerer's process, offer in → asked (just after the offerer's open). */
  answererCpuMs: number;
  /** The answerer's process, in its answer() call alone. */
  answerCallCpuMs: number;
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

/** A pair opened through the answerer: the offerer's half, what the open took in wall and offerer CPU ms. */
async function connect(id: number): Promise<{ half: Half; ms: number; offererCpuMs: number }> {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const half = makeHalf(true);
  halves.set(id, half);
  try {
    half.onCandidate((candidate) => child.send({ candidate: { id, candidate } }));
    const answered = new Promise<Description>((resolve, reject) => {
      answers.set(id, resolve);
      fail = reject;
    });
    child.send({ offer: { id, description: await half.offer() } });
    await half.accept(await answered);
    await half.opened;
    return { half, ms: performance.now() - start, offererCpuMs: cpuMs(cpuStart) };
  } catch (error) {
    await release(id, half);
    throw error;
  } finally {
    answers.delete(id);
  }
}

async function release(id: number, half: Half): Promise<void> {
  halves.delete(id);
  await half.close();
  await ask(child, { close: id }, "closed", 10_000);
}

/** One open: create → the offerer's channel `open`. */
async function open(id: number): Promise<Open> {
  const { half, ms, offererCpuMs } = await connect(id);
  try {
    const cpu = await ask(child, { cpu: id }, "cpuMs", 10_000);
    return { ms, offererCpuMs, answererCpuMs: Number(cpu.cpuMs), answerCallCpuMs: Number(cpu.answerCpuMs) };
  } finally {
    await release(id, half);
  }
}

/**
 * One open with both peers in this process (signalling by direct calls), for the `opens=N` A/B:
 * wall ms and this process's CPU ms, create → the offerer's channel `open`.
 */
async function openHere(): Promise<{ ms: number; cpuMs: number; answerCallCpuMs: number }> {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const a = makeHalf(true);
  const b = makeHalf(false);
  try {
    a.onCandidate((c) => b.addCandidate(c));
    b.onCandidate((c) => a.addCandidate(c));
    await a.accept(await b.answer(await a.offer()));
    await a.opened;
    return { ms: performance.now() - start, cpuMs: cpuMs(cpuStart), answerCallCpuMs: b.answerCpuMs };
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

const MiB = 1024 * 1024;
/** As the one-process worker: 64 KiB messages, sending while bufferedAmount is under 1 MiB. */
const MESSAGE = 64 * 1024;
const HIGH_WATER = 1 * MiB;

/** The answerer's byte count on pair `id` and its process CPU ms (a running total). */
async function far(id: number): Promise<{ bytes: number; cpuMs: number }> {
  const m = await ask(child, { received: id }, "bytes", 10_000);
  return { bytes: Number(m.bytes), cpuMs: Number(m.cpuTotalMs) };
}

/**
 * Sends `total` bytes over `half`'s channel with bufferedamountlow backpressure (polled every 5 ms
 * too) until the answerer has them all (asked every 10 ms) or `maxMs` passed: MB/s by the clock,
 * and per CPU-second of both processes together.
 */
async function transfer(id: number, half: Half, total: number, maxMs: number) {
  const sender = half.sender!;
  const chunk = new Uint8Array(MESSAGE).fill(0x61);
  const base = await far(id);
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let sent = 0;
  const pump = () => {
    while (sent < total && sender.bufferedAmount() < HIGH_WATER) {
      sender.send(chunk);
      sent += MESSAGE;
    }
  };
  sender.onLow(HIGH_WATER / 2, pump);
  pump();
  const poll = setInterval(pump, 5);
  let now = base;
  try {
    while (now.bytes - base.bytes < total && performance.now() - start < maxMs) {
      await new Promise((r) => setTimeout(r, 10));
      now = await far(id);
    }
  } finally {
    clearInterval(poll);
  }
  const wallS = (performance.now() - start) / 1000;
  const cpuS = cpuMs(cpuStart) / 1000 + (now.cpuMs - base.cpuMs) / 1000;
  const bytes = now.bytes - base.bytes;
  return { MBps: bytes / 1e6 / wallS, MBpcpu: bytes / 1e6 / cpuS };
}

/** The bulk transfer with the peers in two processes: one pair, a warm-up transfer, then the measured one. */
async function bulk(): Promise<{ MBps: number; MBpcpu: number }> {
  const id = 1_000_000;
  const { half } = await connect(id);
  try {
    await transfer(id, half, 8 * MiB, 10_000);
    return await transfer(id, half, (quick ? 32 : 128) * MiB, 60_000);
  } finally {
    await release(id, half);
  }
}

const result: Record<string, unknown> = { stack };
try {
  await started(child, 30_000);
  // IPC round trip (a small message there and back), warm-up excluded.
  const rtts: number[] = [];
  for (let i = 0; i < 220; i++) {
    const t0 = performance.now();
    await ask(child, { ping: i }, "pong", 5000);
    if (i >= 20) rtts.push(performance.now() - t0);
  }
  result.ipc = percentiles(rtts);
  // The same count of opens as the one-process rows, after the same warm-up of both processes' JIT
  // (twenty opens: see worker.ts).
  const opens: Open[] = [];
  const n = opensOnly ? Math.min(Number(opensOnly[1]), 10_000) : quick ? 8 : 25;
  const warmUp =
    opensOnly && process.env.WARMUP ? Math.min(Number(process.env.WARMUP), 10_000) : quick ? 10 : 20;
  const here: Awaited<ReturnType<typeof openHere>>[] = [];
  for (let i = 0; i < n + warmUp; i++) {
    const o = await withTimeout(open(i), 20_000, "open");
    if (i >= warmUp) opens.push(o);
    // `opens=N`: an open with both peers here after each two-process one (same load, same JIT).
    if (opensOnly) {
      const h = await withTimeout(openHere(), 20_000, "open in one process");
      if (i >= warmUp) here.push(h);
    }
  }
  if (opensOnly) {
    result.oneProcessOpen = percentiles(here.map((o) => o.ms));
    result.oneProcessCpu = percentiles(here.map((o) => o.cpuMs));
    // The same answer() work in a process that slept until the offer came (two processes) and in
    // one that was busy (one process): what a wake-up costs the code that runs after it.
    result.answerCallCpu = {
      twoProcesses: percentiles(opens.map((o) => o.answerCallCpuMs)),
      oneProcess: percentiles(here.map((o) => o.answerCallCpuMs)),
    };
  }
  result.open = percentiles(opens.map((o) => o.ms));
  result.offererCpu = percentiles(opens.map((o) => o.offererCpuMs));
  result.answererCpu = percentiles(opens.map((o) => o.answererCpuMs));
  // 64 KiB messages one way, as the one-process bulk row (not for the x25519-only variant: same records).
  if (stack !== "purertc-x25519" && !opensOnly) result.bulk = await bulk();
} catch (error) {
  result.error = (error as Error).message;
} finally {
  child.removeAllListeners("exit");
  await stop(child, 5000);
  await cleanupHalves(stack);
}
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
