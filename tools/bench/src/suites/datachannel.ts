import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { HalfStack } from "../datachannel/halves.js";
import { interleavedBulkRows, interleavedOpenRows } from "../datachannel/interleaved-rows.js";
import { runInterleaved } from "../datachannel/interleaved-run.js";
import type { StackName } from "../datachannel/stacks.js";
import type { BenchRow, BenchSuite } from "../harness.js";

/**
 * Data channels on loopback, one process per stack (../datachannel/worker.ts),
 * purertc beside werift 0.25.2 and node-datachannel 0.33.4 (libdatachannel,
 * usrsctp, native) in the same run: create → first `open` (median, p99
 * after twenty warm-up opens and in the steady state after 300 opens, with
 * the CPU per open, and the first open of
 * the process, cold; also with our DTLS on x25519 only: opens alternating
 * with the default ones in our worker, and the cold first open in a worker
 * of its own); the same open with the answerer in a child process of its
 * own, offer/answer and trickled candidates over IPC (../datachannel/offerer.ts,
 * answerer.ts), for ours (default groups, x25519 only) and werift, beside the
 * IPC round trip measured there (one process runs both peers' CPU on one
 * thread; node-datachannel runs its peers on native threads already);
 * one reliable ordered channel carrying 64 KiB messages with
 * bufferedAmountLowThreshold backpressure (1 MiB high water), MB/s; 1 KiB
 * messages/s the same way (both also with ours on DATA chunks, no I-DATA, as
 * against a pion, werift or libdatachannel peer); one-way latency of a small message on an idle
 * channel; and, in purertc's process, its raw DTLS throughput and the heap
 * growth over a 1 GB (quick: 128 MiB) transfer. The raw DTLS row is the
 * denominator of "data channel / raw DTLS": application datagrams
 * (sendDatagram) between the bulk row's own two PeerConnections, so the same
 * ICE sockets and DTLS 1.3 connection, records the size of the channel's SCTP
 * packets (pc.sctp.maxPacketSize, 1178 bytes), blasted one way 32 per
 * event-loop turn and counted at the receiver's `datagram` events; it runs
 * interleaved with the bulk transfer (4 rounds: a quarter of the bulk bytes,
 * then raw DTLS for as long as that took), so both see the same load.
 * Throughputs are given by the clock and per CPU-second of the process (all
 * its threads): on a shared, loaded machine the clock figure says how much
 * CPU the process got, the CPU figure what the work costs.
 *
 * Rows "stacks interleaved" (../datachannel/interleaved-run.ts): the workers
 * above run one stack after another, minutes apart, and this machine's speed
 * moves ±20–30 % from minute to minute, so a ratio of two workers' figures
 * swung 0.41–0.68 for unchanged code. Here each stack's child process
 * (../datachannel/interleaved.ts) holds its connected pair and is asked in
 * turn, strictly one at a time (the others idle): after a warm-up (one 8 MiB
 * bulk each, 30 opens; quick: 15), rounds of one 16 MiB bulk transfer (64 KiB
 * messages, the bulk row's backpressure) per stack, purertc and
 * node-datachannel every round in alternating order, werift after them every
 * other round (8 rounds; quick: 4), then rounds of one open (create → first
 * channel open, then close) per stack, purertc and node-datachannel (80; quick:
 * 20; werift's opens take ~140 ms and are measured above). Each stack's MB/s is
 * its summed bytes over its summed wall time; the ratios are the medians of
 * the per-round ratios, each of two figures taken seconds apart: the ones to
 * read the targets (bulk ≥ 0.6x node-datachannel, ≥ 3x werift) against. Every
 * bulk round also runs node-floor (../datachannel/node-floor.ts: Node's own
 * AES-GCM and UDP per record, no protocol), the floor under those figures.
 * node-datachannel's open here now and then waits one DTLS retransmission
 * (ICE connected within milliseconds, the connection exactly 1 s later), more
 * often on a loaded machine: its medians flipped between ~5 and ~1004 ms from
 * run to run, in the worker's rows and these alike: its open figures say
 * more about that timer than about the stack.
 */

const workerPath = fileURLToPath(new URL("../datachannel/worker.js", import.meta.url));
const offererPath = fileURLToPath(new URL("../datachannel/offerer.js", import.meta.url));

/** What one worker measured (see ../datachannel/worker.ts). */
export interface Figures {
  stack: StackName;
  open?: { median: number; p99: number };
  /** The first open of the process (cold: certificate, JIT), ms. */
  openFirst?: number;
  /** CPU ms per open of the process (all threads), create → open. */
  openCpu?: { median: number; p99: number };
  /** Ours: opens with DTLS on x25519 alone, alternating with the default ones in the same process. */
  openX25519?: { median: number; p99: number };
  openX25519Cpu?: { median: number; p99: number };
  /** The same after 300 opens of the process (steady state: the JIT has optimized the set-up code). */
  openSteady?: { median: number; p99: number };
  openSteadyCpu?: { median: number; p99: number };
  openSteadyX25519?: { median: number; p99: number };
  openSteadyX25519Cpu?: { median: number; p99: number };
  bulkMBps?: number;
  /** The same transfer per CPU-second of the process (all threads). */
  bulkMBpcpu?: number;
  smallMsgs?: number;
  smallMsgsPcpu?: number;
  latency?: { median: number; p99: number };
  dtlsMBps?: number;
  dtlsMBpcpu?: number;
  heapGrowthMB?: number;
  longMB?: number;
  error?: string;
}

/** Runs one stack's worker in a process of its own; bounded at 10 minutes. */
export function runWorker(stack: StackName, quick: boolean): Promise<Figures> {
  return runScript<Figures>(workerPath, stack, quick);
}

/** What offerer.ts measured: the open with the answerer in another process, and the IPC round trip. */
export interface TwoProcessFigures {
  stack: HalfStack;
  open?: { median: number; p99: number };
  ipc?: { median: number; p99: number };
  /** CPU ms per open of the offerer's process (create → open) and the answerer's (offer in → just after that open). */
  offererCpu?: { median: number; p99: number };
  answererCpu?: { median: number; p99: number };
  /** 64 KiB messages one way with the peers in two processes: MB/s, and MB per CPU-second of both processes. */
  bulk?: { MBps: number; MBpcpu: number };
  error?: string;
}

/**
 * A reference stack's run, once more if it failed: libdatachannel has hung an open for over 20 s
 * (then deadlocked in cleanup()), which cost the table every node-datachannel figure. The first
 * failure stays on stderr.
 */
async function againIfFailed<T extends { stack: string; error?: string }>(run: () => Promise<T>): Promise<T> {
  const first = await run();
  if (!first.error) return first;
  process.stderr.write(`${first.stack}: ${first.error} (running it once more)\n`);
  return run();
}

/** Runs the two-process open of one stack (../datachannel/offerer.ts, which forks its answerer). */
export function runTwoProcess(stack: HalfStack, quick: boolean): Promise<TwoProcessFigures> {
  return runScript<TwoProcessFigures>(offererPath, stack, quick);
}

/** `node script <stack> quick|full` in a process of its own, its last stdout line as JSON; SIGKILLed after 10 minutes. */
function runScript<T extends { stack: string; error?: string }>(
  script: string,
  stack: T["stack"],
  quick: boolean,
): Promise<T> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--expose-gc", script, stack, quick ? "quick" : "full"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    // Bounded: a stack that hangs is reported, not waited for.
    const timer = setTimeout(() => child.kill("SIGKILL"), 600_000);
    child.on("close", () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.trim().split("\n").at(-1) ?? "") as T);
      } catch {
        resolve({ stack, error: `no result (${out.slice(0, 200)})` } as T);
      }
    });
  });
}

/**
 * The open with the answerer in a process of its own (IPC signalling), ours
 * beside werift and node-datachannel measured the same way (node-datachannel
 * with its candidates in the descriptions, as in its one-process rows), and
 * node-datachannel's one-process figure named beside: its peers run on native
 * threads of their own even in one process, ours share one JS thread there.
 * Then the CPU each process spent per open (wall below their sum is what ran
 * in parallel), and the IPC round trip measured in each offerer process: the
 * open waits for about one (offer out, answer back).
 */
function twoProcessRows(
  ours: TwoProcessFigures,
  x25519: TwoProcessFigures,
  werift: TwoProcessFigures,
  ndc2: TwoProcessFigures,
  ndc: Figures,
): BenchRow[] {
  const label = "create → first channel open, peers in two processes, IPC signalling";
  /** node-datachannel in two processes, as ours; its one-process figure when that run failed. */
  const reference = (value: number, two: number | undefined, one: number | undefined, higher: boolean) => {
    const ratio = (theirs: number) => (higher ? value / theirs : theirs / value).toFixed(2);
    if (two !== undefined)
      return {
        name: `node-datachannel, two processes (ours ${ratio(two)}x; its one-process ${one?.toFixed(2) ?? "?"}, ours ${one === undefined ? "?" : ratio(one)}x)`,
        value: two,
      };
    if (one !== undefined) return { name: `node-datachannel, one process (ours ${ratio(one)}x)`, value: one };
    return undefined;
  };
  const row = (metric: string, mine: TwoProcessFigures, pick: "median" | "p99"): BenchRow => {
    const value = mine.open?.[pick] ?? Number.NaN;
    const r: BenchRow = { metric, unit: "ms", ours: value, higherIsBetter: false };
    const w = werift.open?.[pick];
    if (w !== undefined) r.werift = w;
    const ref = reference(value, ndc2.open?.[pick], ndc.open?.[pick], false);
    if (ref) r.reference = ref;
    return r;
  };
  const ipc = (pick: "median" | "p99"): BenchRow => {
    const r: BenchRow = {
      metric: `IPC round trip, parent ↔ child (in those opens' processes), ${pick}`,
      unit: "ms",
      ours: ours.ipc?.[pick] ?? Number.NaN,
      higherIsBetter: false,
    };
    const w = werift.ipc?.[pick];
    if (w !== undefined) r.reference = { name: "in werift's offerer process", value: w };
    return r;
  };
  const cpu = (side: "offererCpu" | "answererCpu", what: string): BenchRow => {
    const r: BenchRow = {
      metric: `CPU per open in two processes, ${what}, median`,
      unit: "ms",
      ours: ours[side]?.median ?? Number.NaN,
      higherIsBetter: false,
    };
    const w = werift[side]?.median;
    if (w !== undefined) r.werift = w;
    const x = x25519[side]?.median;
    if (x !== undefined) r.reference = { name: "ours, DTLS x25519 only", value: x };
    return r;
  };
  const bulkRow = (pick: "MBps" | "MBpcpu", metric: string, unit: string): BenchRow => {
    const value = ours.bulk?.[pick] ?? Number.NaN;
    const r: BenchRow = { metric, unit, ours: value, higherIsBetter: true };
    const w = werift.bulk?.[pick];
    if (w !== undefined) r.werift = w;
    const one = pick === "MBps" ? ndc.bulkMBps : ndc.bulkMBpcpu;
    const ref = reference(value, ndc2.bulk?.[pick], one, true);
    if (ref) r.reference = ref;
    return r;
  };
  return [
    row(`${label}, median`, ours, "median"),
    row(`${label}, p99`, ours, "p99"),
    row(`${label}, DTLS x25519 only, median`, x25519, "median"),
    row(`${label}, DTLS x25519 only, p99`, x25519, "p99"),
    cpu("offererCpu", "offerer's process (create → open)"),
    cpu("answererCpu", "answerer's process (offer in → open)"),
    ipc("median"),
    ipc("p99"),
    bulkRow("MBps", "bulk, 64 KiB messages, peers in two processes", "MB/s"),
    bulkRow("MBpcpu", "bulk, 64 KiB messages, peers in two processes, per CPU-second (both)", "MB/cpu-s"),
  ];
}

export const suite: BenchSuite = {
  name: "datachannel",
  async run({ quick }) {
    const ours = await runWorker("purertc", quick);
    const x25519 = await runWorker("purertc-x25519", quick);
    const plainData = await runWorker("purertc-data", quick);
    const werift = await runWorker("werift", quick);
    const ndc = await againIfFailed(() => runWorker("node-datachannel", quick));
    const ours2 = await runTwoProcess("purertc", quick);
    const x25519two = await runTwoProcess("purertc-x25519", quick);
    const werift2 = await runTwoProcess("werift", quick);
    const ndc2 = await againIfFailed(() => runTwoProcess("node-datachannel", quick));
    const interleaved = await runInterleaved(quick);
    if (interleaved.error) process.stderr.write(`stacks interleaved: ${interleaved.error}\n`);
    for (const f of [ours, x25519, plainData, werift, ndc, ours2, x25519two, werift2, ndc2])
      if (f.error) process.stderr.write(`${f.stack}${"ipc" in f ? " (two processes)" : ""}: ${f.error}\n`);
    const row = (
      metric: string,
      unit: string,
      pick: (f: Figures) => number | undefined,
      higherIsBetter: boolean,
      mineFrom: Figures = ours,
    ): BenchRow => {
      const mine = pick(mineFrom) ?? Number.NaN;
      const theirs = pick(ndc);
      const r: BenchRow = { metric, unit, ours: mine, higherIsBetter };
      const w = pick(werift);
      if (w !== undefined) r.werift = w;
      if (theirs !== undefined) {
        const x = higherIsBetter ? mine / theirs : theirs / mine;
        r.reference = { name: `node-datachannel (ours ${x.toFixed(2)}x)`, value: theirs };
      }
      return r;
    };
    const rows: BenchRow[] = [
      row("create → first channel open, median", "ms", (f) => f.open?.median, false),
      row("create → first channel open, p99", "ms", (f) => f.open?.p99, false),
      // Ours with DTLS on x25519 alone (opens alternating with the default ones in one process),
      // beside the same reference figures (werift's DTLS 1.2 has no ML-KEM either).
      row(
        "create → first channel open, DTLS x25519 only, median",
        "ms",
        (f) => (f === ours ? (ours.openX25519 ?? x25519.open) : f.open)?.median,
        false,
      ),
      row(
        "create → first channel open, DTLS x25519 only, p99",
        "ms",
        (f) => (f === ours ? (ours.openX25519 ?? x25519.open) : f.open)?.p99,
        false,
      ),
      row(
        "CPU per open, both peers in one process (all threads), median",
        "ms",
        (f) => f.openCpu?.median,
        false,
      ),
      row(
        "CPU per open, both peers in one process, DTLS x25519 only, median",
        "ms",
        (f) => (f === ours ? ours.openX25519Cpu : f.openCpu)?.median,
        false,
      ),
      row(
        "create → first channel open, steady state (after 300 opens), median",
        "ms",
        (f) => f.openSteady?.median,
        false,
      ),
      row("create → first channel open, steady state, p99", "ms", (f) => f.openSteady?.p99, false),
      row(
        "create → first channel open, steady state, DTLS x25519 only, median",
        "ms",
        (f) => (f === ours ? ours.openSteadyX25519 : f.openSteady)?.median,
        false,
      ),
      row("CPU per open, steady state, median", "ms", (f) => f.openSteadyCpu?.median, false),
      row("create → first channel open, first of a fresh process (cold)", "ms", (f) => f.openFirst, false),
      row(
        "create → first channel open, first of a fresh process, DTLS x25519 only",
        "ms",
        (f) => (f === ours ? x25519 : f).openFirst,
        false,
      ),
      ...interleavedOpenRows(interleaved),
      ...twoProcessRows(ours2, x25519two, werift2, ndc2, ndc),
      row("bulk, 64 KiB messages, reliable ordered", "MB/s", (f) => f.bulkMBps, true),
      row("bulk, 64 KiB messages, per CPU-second", "MB/cpu-s", (f) => f.bulkMBpcpu, true),
      ...interleavedBulkRows(interleaved),
      row("1 KiB messages, reliable ordered", "msg/s", (f) => f.smallMsgs, true),
      row("1 KiB messages, per CPU-second", "msg/cpu-s", (f) => f.smallMsgsPcpu, true),
      // Ours with DATA chunks (sctpInterleaving: false), what a pion, werift, libdatachannel or
      // Chromium peer makes us use; the two purertc ends above negotiate I-DATA.
      row("bulk, 64 KiB messages, DATA (no I-DATA)", "MB/s", (f) => f.bulkMBps, true, plainData),
      row("bulk, 64 KiB messages, DATA, per CPU-second", "MB/cpu-s", (f) => f.bulkMBpcpu, true, plainData),
      row("1 KiB messages, DATA (no I-DATA)", "msg/s", (f) => f.smallMsgs, true, plainData),
      row("1 KiB messages, DATA, per CPU-second", "msg/cpu-s", (f) => f.smallMsgsPcpu, true, plainData),
      row("one-way latency, idle channel, median", "ms", (f) => f.latency?.median, false),
      row("one-way latency, idle channel, p99", "ms", (f) => f.latency?.p99, false),
    ];
    if (ours.dtlsMBps !== undefined && ours.bulkMBps !== undefined) {
      rows.push({
        metric: "our raw DTLS, same connection, SCTP-packet-size records, interleaved with bulk",
        unit: "MB/s",
        ours: ours.dtlsMBps,
        reference: { name: "data channel / raw DTLS", value: ours.bulkMBps / ours.dtlsMBps },
        higherIsBetter: true,
      });
    }
    if (ours.dtlsMBpcpu !== undefined && ours.bulkMBpcpu !== undefined) {
      rows.push({
        metric: "our raw DTLS per CPU-second, interleaved with bulk",
        unit: "MB/cpu-s",
        ours: ours.dtlsMBpcpu,
        reference: { name: "data channel / raw DTLS", value: ours.bulkMBpcpu / ours.dtlsMBpcpu },
        higherIsBetter: true,
      });
    }
    if (ours.heapGrowthMB !== undefined) {
      rows.push({
        metric: `heap growth over a ${Math.round(ours.longMB ?? 0)} MB transfer (after GC)`,
        unit: "MB",
        ours: ours.heapGrowthMB,
        higherIsBetter: false,
      });
    }
    return rows;
  },
};
