import { type ChildProcess, fork } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { ask, started, stop } from "../child-ipc.js";
import { interleavedBulkRows, interleavedOpenRows } from "./interleaved-rows.js";
import { median } from "./interleaved-run.js";

// The child runs from the build (tools/bench/dist), as the bench runs it.
const childPath = fileURLToPath(new URL("../../dist/datachannel/interleaved.js", import.meta.url));
const MiB = 1024 * 1024;

describe("median", () => {
  it("is the middle sample, the mean of the two middle ones for an even count, NaN for none", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe("interleaved rows", () => {
  it("give each stack's summed bytes over summed time and the median round ratios as rows", () => {
    const tally = (mb: number, s: number, cpuS: number) => ({
      bytes: mb * 1e6,
      wallMs: s * 1000,
      cpuUs: cpuS * 1e6,
    });
    const rows = interleavedBulkRows({
      bulk: {
        rounds: 8,
        bytesPerRound: 16 * MiB,
        tally: {
          purertc: tally(100, 4, 5),
          "node-datachannel": tally(100, 2, 4),
          werift: tally(50, 10, 10),
          "node-floor": tally(100, 3, 3),
        },
        ratioNdc: 0.55,
        cpuRatioNdc: 0.8,
        ratioWerift: 3.2,
        rangeNdc: [0.5, 0.61],
        rangeWerift: [2.9, 3.4],
        floorNdc: 0.66,
        rangeFloorNdc: [0.6, 0.7],
        oursFloor: 0.8,
      },
    });
    expect(rows.map((r) => r.ours)).toEqual([25, 20, 0.55, 3.2, 100 / 3, 0.8]);
    expect(rows[4]!.reference).toEqual({ name: "node-datachannel (median round ratio 0.66x)", value: 50 });
    expect(rows[5]!.reference).toEqual({ name: "floor / node-datachannel (rounds 0.60–0.70x)", value: 0.66 });
    expect(rows[0]!.werift).toBe(5);
    expect(rows[0]!.reference).toEqual({ name: "node-datachannel (median round ratio 0.55x)", value: 50 });
    expect(rows[1]!.reference!.value).toBe(25);
    expect(rows[2]!.reference).toEqual({ name: "issue 11 target (rounds 0.50–0.61x)", value: 0.6 });
    expect(rows[3]!.reference).toEqual({ name: "issue 11 target (rounds 2.90–3.40x)", value: 3 });
    const open = interleavedOpenRows({
      open: {
        rounds: 60,
        ms: { purertc: { median: 6, p99: 9 }, "node-datachannel": { median: 4, p99: 30 } },
        cpuMs: { purertc: { median: 5, p99: 7 }, "node-datachannel": { median: 3, p99: 4 } },
        ratioNdc: 0.7,
        rangeNdc: [0.5, 1.25],
        failed: {},
      },
    });
    expect(open.map((r) => [r.ours, r.reference?.value])).toEqual([
      [6, 4],
      [9, 30],
      [5, 3],
      [0.7, 0.5],
    ]);
    // A run that failed before a phase: its rows are there, without figures.
    expect(interleavedBulkRows({ error: "x" }).every((r) => Number.isNaN(r.ours))).toBe(true);
  });
});

describe.skipIf(!existsSync(childPath))("a stack's child (real pair on loopback, built dist)", () => {
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child) await stop(child, 5000);
    child = undefined;
  });

  it("answers bulk and open one at a time, refuses a second command while busy, quits on request", async () => {
    child = fork(childPath, ["purertc"], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const c = child;
    const ready = await started(c, 20_000);
    expect(ready.ready).toBe(true);
    const bulk = ask(c, { bulk: 2 * MiB, maxMs: 10_000 }, "bulk", 20_000);
    const refused = await ask(c, { open: true }, "open", 20_000);
    expect(refused).toEqual({ open: null, error: "purertc: busy" });
    const t = (await bulk).bulk as { bytes: number; wallMs: number; cpuUs: number };
    expect(t.bytes).toBeGreaterThanOrEqual(2 * MiB);
    expect(t.wallMs).toBeGreaterThan(0);
    expect(t.cpuUs).toBeGreaterThan(0);
    const open = (await ask(c, { open: true }, "open", 20_000)).open as { ms: number; cpuMs: number };
    expect(open.ms).toBeGreaterThan(0);
    expect(open.cpuMs).toBeGreaterThan(0);
    const exited = new Promise<number | null>((resolve) => c.once("exit", resolve));
    expect(await ask(c, { quit: true }, "quit", 10_000)).toEqual({ quit: true });
    expect(await exited).toBe(0);
  });

  it("node-datachannel's child closes its native threads and exits when its parent disconnects", async () => {
    child = fork(childPath, ["node-datachannel"], {
      execArgv: [],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const c = child;
    expect((await started(c, 20_000)).ready).toBe(true);
    const exited = new Promise<[number | null, string | null]>((resolve) =>
      c.once("exit", (code, signal) => resolve([code, signal])),
    );
    c.disconnect();
    // Exit 0 well before stop()'s SIGKILL: the child ended its pair and the stack itself.
    expect(await exited).toEqual([0, null]);
    // Bounded beyond the default: the child's pair is tried up to three times, 20 s each.
  }, 70_000);
});
