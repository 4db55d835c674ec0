import "reflect-metadata";
import { fuzz, type Summary } from "./run.js";
import { allTargets } from "./targets.js";

/**
 * `npm run fuzz [-- --cases N] [--seed S] [--only <substring>] [--json]`:
 * every wire parser gets N cases (default 1,000,000): a quarter random
 * bytes, the rest mutations of real messages (bit flips, byte overwrites,
 * truncation, insertion, chunk duplication; one to six edits). A case
 * "crashes" when the parser throws anything but its package's typed error.
 * The slowest cases are run again (best of 5): on a shared machine a single
 * timing includes GC pauses and preemption, the re-timed maximum is the
 * parser's own. Prints per parser the cases, crashes, max time per case
 * (first timing and re-timed) and mean, and the
 * first crashing inputs (hex) to reproduce; exits 1 on any crash. The same
 * seed gives the same inputs. CI runs 6,000 cases per parser (targets.test.ts)
 * beside the packages' fast-check suites.
 */

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const cases = Number(option("--cases") ?? 1_000_000);
const seed = Number(option("--seed") ?? Date.now() % 2 ** 31);
const only = option("--only");
const json = args.includes("--json");

const targets = (await allTargets()).filter(
  (t) => !only || t.name.toLowerCase().includes(only.toLowerCase()),
);
process.stderr.write(
  `fuzz: ${targets.length} parsers × ${cases.toLocaleString("en-US")} cases, seed ${seed}\n`,
);
const results: Summary[] = [];
for (const target of targets) {
  const r = fuzz(target, cases, seed);
  results.push(r);
  process.stderr.write(
    `${r.target}: ${r.cases.toLocaleString("en-US")} cases, ${r.crashes} crashes, max ${r.maxUs.toFixed(0)} µs (re-timed ${r.retimedMaxUs.toFixed(0)} µs), mean ${r.meanUs.toFixed(2)} µs, ${r.seconds.toFixed(1)} s\n`,
  );
  for (const e of r.examples) process.stderr.write(`  crash: ${e.slice(0, 400)}\n`);
}
if (json) process.stdout.write(`${JSON.stringify({ seed, results })}\n`);
else {
  const header = ["parser", "cases", "crashes", "max µs/case", "re-timed max µs", "mean µs/case", "s"];
  const rows = results.map((r) => [
    r.target,
    r.cases.toLocaleString("en-US"),
    String(r.crashes),
    r.maxUs.toFixed(0),
    r.retimedMaxUs.toFixed(0),
    r.meanUs.toFixed(2),
    r.seconds.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  process.stdout.write(
    `\n## fuzz (seed ${seed})\n${[line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n")}\n`,
  );
}
process.exitCode = results.some((r) => r.crashes > 0) ? 1 : 0;
