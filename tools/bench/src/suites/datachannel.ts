import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { StackName } from "../datachannel/stacks.js";
import type { BenchRow, BenchSuite } from "../harness.js";

/**
 * Data channels on loopback, one process per stack (../datachannel/worker.ts),
 * purertc beside werift 0.25.2 and node-datachannel 0.33.4 (libdatachannel,
 * usrsctp, native) in the same run: create → first `open` (median, p99;
 * also with our DTLS on x25519 only, in a worker of its own that measures
 * only that);
 * one reliable ordered channel carrying 64 KiB messages with
 * bufferedAmountLowThreshold backpressure (1 MiB high water), MB/s; 1 KiB
 * messages/s the same way; one-way latency of a small message on an idle
 * channel; and, in purertc's process, its raw DTLS throughput (1200-byte
 * records) and the heap growth over a 1 GB (quick: 128 MiB) transfer.
 * Throughputs are given by the clock and per CPU-second of the process (all
 * its threads): on a shared, loaded machine the clock figure says how much
 * CPU the process got, the CPU figure what the work costs.
 */

const workerPath = fileURLToPath(new URL("../datachannel/worker.js", import.meta.url));

/** What one worker measured (see ../datachannel/worker.ts). */
export interface Figures {
  stack: StackName;
  open?: { median: number; p99: number };
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
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--expose-gc", workerPath, stack, quick ? "quick" : "full"], {
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
        resolve(JSON.parse(out.trim().split("\n").at(-1) ?? "") as Figures);
      } catch {
        resolve({ stack, error: `no result (${out.slice(0, 200)})` });
      }
    });
  });
}

export const suite: BenchSuite = {
  name: "datachannel",
  async run({ quick }) {
    const ours = await runWorker("purertc", quick);
    const x25519 = await runWorker("purertc-x25519", quick);
    const werift = await runWorker("werift", quick);
    const ndc = await runWorker("node-datachannel", quick);
    for (const f of [ours, x25519, werift, ndc])
      if (f.error) process.stderr.write(`${f.stack}: ${f.error}\n`);
    const row = (
      metric: string,
      unit: string,
      pick: (f: Figures) => number | undefined,
      higherIsBetter: boolean,
    ): BenchRow => {
      const mine = pick(ours) ?? Number.NaN;
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
      // Ours with DTLS on x25519 alone, beside the same reference figures (werift's DTLS 1.2 has no ML-KEM either).
      row(
        "create → first channel open, DTLS x25519 only, median",
        "ms",
        (f) => (f === ours ? x25519 : f).open?.median,
        false,
      ),
      row(
        "create → first channel open, DTLS x25519 only, p99",
        "ms",
        (f) => (f === ours ? x25519 : f).open?.p99,
        false,
      ),
      row("bulk, 64 KiB messages, reliable ordered", "MB/s", (f) => f.bulkMBps, true),
      row("bulk, 64 KiB messages, per CPU-second", "MB/cpu-s", (f) => f.bulkMBpcpu, true),
      row("1 KiB messages, reliable ordered", "msg/s", (f) => f.smallMsgs, true),
      row("1 KiB messages, per CPU-second", "msg/cpu-s", (f) => f.smallMsgsPcpu, true),
      row("one-way latency, idle channel, median", "ms", (f) => f.latency?.median, false),
      row("one-way latency, idle channel, p99", "ms", (f) => f.latency?.p99, false),
    ];
    if (ours.dtlsMBps !== undefined && ours.bulkMBps !== undefined) {
      rows.push({
        metric: "our raw DTLS throughput, 1200-byte records (same run)",
        unit: "MB/s",
        ours: ours.dtlsMBps,
        reference: { name: "data channel / raw DTLS", value: ours.bulkMBps / ours.dtlsMBps },
        higherIsBetter: true,
      });
    }
    if (ours.dtlsMBpcpu !== undefined && ours.bulkMBpcpu !== undefined) {
      rows.push({
        metric: "our raw DTLS per CPU-second (same run)",
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
