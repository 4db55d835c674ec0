import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ask, type Message, started, stop } from "../child-ipc.js";
import { percentiles } from "../harness.js";
import { MiB, type Tally } from "./transfer.js";

/**
 * The data-channel rows with the stacks interleaved in time: one child per
 * stack (interleaved.ts) holding its connected pair, asked in turn, strictly
 * one at a time (the others idle), so that every round's figures of the
 * stacks come from the same minute of a machine whose speed moves ±20–30 %
 * from one minute to the next. The rows' ratios are the medians of the
 * per-round ratios.
 */

const childPath = fileURLToPath(new URL("./interleaved.js", import.meta.url));

/**
 * The stacks of the interleaved rows: werift and node-floor (Node's AES-GCM and UDP per record, no
 * protocol: node-floor.ts) in the bulk rounds only (werift's opens take ~140 ms; the floor opens nothing).
 */
export type InterleavedStack = "purertc" | "node-datachannel" | "werift" | "node-floor";

/** What the interleaved rounds measured (see {@link runInterleaved}). */
export interface InterleavedFigures {
  bulk?: {
    /** Rounds of purertc and node-datachannel; werift ran in every other one. */
    rounds: number;
    bytesPerRound: number;
    /** Summed over the rounds, per stack. */
    tally: Partial<Record<InterleavedStack, Tally>>;
    /** Median over the rounds of ours / theirs by the clock (MB/s over MB/s of the same round). */
    ratioNdc: number;
    ratioWerift?: number;
    /** The same per CPU-second of each process. */
    cpuRatioNdc: number;
    /** Lowest and highest per-round ratio (clock), how far the rounds spread. */
    rangeNdc: [number, number];
    rangeWerift?: [number, number];
    /** Median over the rounds of the floor / node-datachannel (with its spread) and of ours / the floor (clock). */
    floorNdc?: number;
    rangeFloorNdc?: [number, number];
    oursFloor?: number;
  };
  open?: {
    rounds: number;
    /** create → first channel open, ms. */
    ms: Partial<Record<InterleavedStack, { median: number; p99: number }>>;
    /** CPU of the process per open (all threads), ms. */
    cpuMs: Partial<Record<InterleavedStack, { median: number; p99: number }>>;
    /** Median over the rounds of node-datachannel's open time / ours (above 1: ours faster). */
    ratioNdc: number;
    rangeNdc: [number, number];
    /** Attempts that failed and were made again (not measured), per stack. */
    failed: Partial<Record<InterleavedStack, number>>;
  };
  error?: string;
}

/** The middle of the samples (the mean of the two middle ones for an even count). */
export function median(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  if (s.length === 0) return Number.NaN;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The lowest and the highest sample. */
const range = (samples: number[]): [number, number] => [Math.min(...samples), Math.max(...samples)];

/** How long a bulk may take in the child (what arrived by then is measured), and the ask's bound beyond it. */
const BULK_MAX_MS = 60_000;
const BULK_ASK_MS = BULK_MAX_MS + 30_000;
const OPEN_ASK_MS = 30_000;

/** Asks `child` for `message` and returns the answer's `key`; the child's error, or none in `ms`, throws. */
async function command<T>(child: ChildProcess, message: Message, key: string, ms: number): Promise<T> {
  const answer = await ask(child, message, key, ms);
  if (answer.error !== undefined || answer[key] === null) throw new Error(String(answer.error));
  return answer[key] as T;
}

const bulk = (child: ChildProcess, bytes: number, maxMs = BULK_MAX_MS) =>
  command<Tally>(child, { bulk: bytes, maxMs }, "bulk", BULK_ASK_MS);
const open = (child: ChildProcess) =>
  command<{ ms: number; cpuMs: number; failed: number }>(child, { open: true }, "open", OPEN_ASK_MS);
const mbps = (t: Tally) => t.bytes / 1e6 / (t.wallMs / 1000);
const mbpcpu = (t: Tally) => t.bytes / 1e6 / (t.cpuUs / 1e6);
const add = (a: Tally | undefined, b: Tally): Tally =>
  a ? { bytes: a.bytes + b.bytes, wallMs: a.wallMs + b.wallMs, cpuUs: a.cpuUs + b.cpuUs } : b;

/**
 * Forks the four children one after the other (each makes its pair alone),
 * warms each (one bulk, then opens), then runs the bulk rounds (purertc and
 * node-datachannel every round, their order swapped every round so neither
 * always follows the other, the floor between them; werift after them every
 * other round) and the open
 * rounds (purertc and node-datachannel, order swapped likewise). Children are
 * stopped in `finally`; a failure ends the run with the figures of the phases
 * completed and `error`.
 */
export async function runInterleaved(quick: boolean): Promise<InterleavedFigures> {
  const result: InterleavedFigures = {};
  const children = new Map<InterleavedStack, ChildProcess>();
  const child = (stack: InterleavedStack) => children.get(stack)!;
  let phase = "start";
  try {
    for (const stack of ["purertc", "node-datachannel", "werift", "node-floor"] as const) {
      const c = fork(childPath, [stack], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
      children.set(stack, c);
      // A send to a child that died emits `error` on its handle: reported by the ask's timeout, not a crash.
      c.on("error", (error) => process.stderr.write(`interleaved ${stack}: ${error.message}\n`));
      // Up to three tries of the pair, 20 s each, after the stack's import.
      const ready = await started(c, 90_000);
      if (!ready.ready) throw new Error(String(ready.error));
    }
    // Warm-up: a first bulk (the JIT, the congestion window's first climb), opens past the
    // unoptimized first ones (see worker.ts: opens 2–15 of a fresh process run cold code).
    phase = "warm-up";
    for (const stack of children.keys()) await bulk(child(stack), 8 * MiB, 20_000);
    const warmOpens = quick ? 15 : 30;
    for (let i = 0; i < warmOpens; i++) {
      await open(child("purertc"));
      await open(child("node-datachannel"));
    }

    phase = "bulk rounds";
    const rounds = quick ? 4 : 8;
    const bytes = 16 * MiB;
    const tally: Partial<Record<InterleavedStack, Tally>> = {};
    const ratioNdc: number[] = [];
    const cpuRatioNdc: number[] = [];
    const ratioWerift: number[] = [];
    const floorNdc: number[] = [];
    const oursFloor: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const order: InterleavedStack[] =
        r % 2 ? ["node-datachannel", "node-floor", "purertc"] : ["purertc", "node-floor", "node-datachannel"];
      if (r % 2 === 0) order.push("werift");
      const round: Partial<Record<InterleavedStack, Tally>> = {};
      for (const stack of order) {
        const t = await bulk(child(stack), bytes);
        round[stack] = t;
        tally[stack] = add(tally[stack], t);
      }
      const ours = round.purertc!;
      const ndc = round["node-datachannel"]!;
      ratioNdc.push(mbps(ours) / mbps(ndc));
      cpuRatioNdc.push(mbpcpu(ours) / mbpcpu(ndc));
      if (round.werift) ratioWerift.push(mbps(ours) / mbps(round.werift));
      const floor = round["node-floor"]!;
      floorNdc.push(mbps(floor) / mbps(ndc));
      oursFloor.push(mbps(ours) / mbps(floor));
    }
    result.bulk = {
      rounds,
      bytesPerRound: bytes,
      tally,
      ratioNdc: median(ratioNdc),
      cpuRatioNdc: median(cpuRatioNdc),
      rangeNdc: range(ratioNdc),
      ...(ratioWerift.length ? { ratioWerift: median(ratioWerift), rangeWerift: range(ratioWerift) } : {}),
      floorNdc: median(floorNdc),
      rangeFloorNdc: range(floorNdc),
      oursFloor: median(oursFloor),
    };

    phase = "open rounds";
    const openRounds = quick ? 20 : 80;
    const ms: Record<"purertc" | "node-datachannel", number[]> = { purertc: [], "node-datachannel": [] };
    const cpu: Record<"purertc" | "node-datachannel", number[]> = { purertc: [], "node-datachannel": [] };
    const openRatio: number[] = [];
    const failed = { purertc: 0, "node-datachannel": 0 };
    for (let r = 0; r < openRounds; r++) {
      const order =
        r % 2 ? (["node-datachannel", "purertc"] as const) : (["purertc", "node-datachannel"] as const);
      for (const stack of order) {
        const o = await open(child(stack));
        ms[stack].push(o.ms);
        cpu[stack].push(o.cpuMs);
        failed[stack] += o.failed;
      }
      openRatio.push(ms["node-datachannel"].at(-1)! / ms.purertc.at(-1)!);
    }
    result.open = {
      rounds: openRounds,
      ms: { purertc: percentiles(ms.purertc), "node-datachannel": percentiles(ms["node-datachannel"]) },
      cpuMs: { purertc: percentiles(cpu.purertc), "node-datachannel": percentiles(cpu["node-datachannel"]) },
      ratioNdc: median(openRatio),
      rangeNdc: range(openRatio),
      failed,
    };
    for (const [stack, n] of Object.entries(failed))
      if (n)
        process.stderr.write(`interleaved opens: ${stack} failed ${n} times (made again, not measured)\n`);
    // A clean end: each child closes its pair (and node-datachannel its threads) before `stop`.
    for (const c of children.values()) await ask(c, { quit: true }, "quit", 30_000).catch(() => {});
  } catch (error) {
    result.error = `${phase}: ${(error as Error).message}`;
  } finally {
    await Promise.all([...children.values()].map((c) => stop(c, 30_000)));
  }
  return result;
}
