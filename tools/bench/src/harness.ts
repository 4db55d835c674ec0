/** One measured figure, ours beside werift's from the same run. */
export interface BenchRow {
  /** What was measured, e.g. "STUN encode (ICE check)". */
  metric: string;
  /** Unit of the figures, e.g. "msg/s", "ms", "MB/s". */
  unit: string;
  ours: number;
  /** werift's figure for the same work in the same run (undefined: no peer figure). */
  werift?: number;
  /** Other reference figure (plain UDP, native), with its name. */
  reference?: { name: string; value: number };
  /** true when more is better (throughput), false when less is (latency). */
  higherIsBetter: boolean;
}

/** A benchmark module in src/suites/: `export const suite: BenchSuite`. */
export interface BenchSuite {
  name: string;
  run(options: { quick: boolean }): Promise<BenchRow[]>;
}

/** Runs `fn` repeatedly for about `ms` milliseconds and returns operations per second. */
export function opsPerSecond(fn: () => void, ms = 1000, batch = 1000): number {
  for (let i = 0; i < batch; i++) fn(); // warm-up
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < batch; i++) fn();
    count += batch;
    elapsed = performance.now() - start;
  }
  return (count * 1000) / elapsed;
}

/** Median and 99th percentile of samples. */
export function percentiles(samples: number[]): { median: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { median: at(0.5), p99: at(0.99) };
}

/** How many times better ours is than theirs (>1 = ours better), by direction. */
export function ratio(row: BenchRow): number | undefined {
  if (row.werift === undefined || row.werift === 0 || row.ours === 0) return undefined;
  return row.higherIsBetter ? row.ours / row.werift : row.werift / row.ours;
}

function fmt(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return "-";
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString("en-US");
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(3);
}

/** Formats rows as an aligned table: metric, ours, werift, ratio, reference. */
export function formatTable(rows: BenchRow[]): string {
  const header = ["metric", "unit", "purertc", "werift", "ratio (x better)", "reference"];
  const body = rows.map((r) => {
    const x = ratio(r);
    return [
      r.metric,
      r.unit,
      fmt(r.ours),
      fmt(r.werift),
      x === undefined ? "-" : `${x.toFixed(2)}x`,
      r.reference ? `${r.reference.name}: ${fmt(r.reference.value)}` : "",
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}
