import "reflect-metadata";
import { allTargets, type FuzzTarget } from "./targets.js";

/**
 * `npm run fuzz [-- --cases N] [--seed S] [--only <substring>] [--json]`:
 * every wire parser gets N cases (default 1,000,000): a quarter random
 * bytes, the rest mutations of real messages (bit flips, byte overwrites,
 * truncation, insertion, chunk duplication; one to six edits). A case
 * "crashes" when the parser throws anything but its package's typed error.
 * Prints per parser the cases, crashes, max and mean time per case, and the
 * first crashing inputs (hex) to reproduce; exits 1 on any crash. The same
 * seed gives the same inputs. CI runs the smaller fast-check suites instead.
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

/** xorshift32: fast, seeded, good enough to pick mutations. */
let state = seed || 1;
function rand(): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 2 ** 32;
}
const int = (n: number) => Math.floor(rand() * n);

function randomBytes(max: number): Uint8Array {
  const out = new Uint8Array(int(max + 1));
  for (let i = 0; i < out.length; i++) out[i] = int(256);
  return out;
}

function mutate(seedBytes: Uint8Array): Uint8Array {
  let out = new Uint8Array(seedBytes);
  const edits = 1 + int(6);
  for (let e = 0; e < edits; e++) {
    if (out.length === 0) return out;
    const i = int(out.length);
    switch (int(6)) {
      case 0:
        out[i] = out[i]! ^ (1 << int(8));
        break;
      case 1:
        out[i] = int(256);
        break;
      case 2: // boundary values where lengths and counts live
        out[i] = [0, 1, 0x7f, 0x80, 0xfe, 0xff][int(6)]!;
        break;
      case 3:
        out = out.subarray(0, i);
        break;
      case 4: {
        const grown = new Uint8Array(out.length + 1);
        grown.set(out.subarray(0, i));
        grown[i] = int(256);
        grown.set(out.subarray(i), i + 1);
        out = grown;
        break;
      }
      default: {
        // duplicate a chunk (repeated attributes, records, extensions)
        const len = 1 + int(Math.min(64, out.length - i));
        const grown = new Uint8Array(out.length + len);
        grown.set(out.subarray(0, i + len));
        grown.set(out.subarray(i, i + len), i + len);
        grown.set(out.subarray(i + len), i + 2 * len);
        out = grown;
      }
    }
  }
  return out;
}

interface Summary {
  target: string;
  cases: number;
  crashes: number;
  maxUs: number;
  meanUs: number;
  seconds: number;
  examples: string[];
}

function fuzz(target: FuzzTarget): Summary {
  const maxSeed = Math.max(64, ...target.seeds.map((s) => s.length));
  let crashes = 0;
  let max = 0;
  const examples: string[] = [];
  const start = performance.now();
  for (let n = 0; n < cases; n++) {
    const input =
      target.seeds.length === 0 || rand() < 0.25
        ? randomBytes(maxSeed * 2)
        : mutate(target.seeds[int(target.seeds.length)]!);
    const t0 = performance.now();
    try {
      target.run(input);
    } catch (error) {
      if (!target.expected(error)) {
        crashes++;
        if (examples.length < 3) {
          examples.push(
            `${(error as Error)?.name}: ${(error as Error)?.message} ← ${Buffer.from(input).toString("hex")}`,
          );
        }
      }
    }
    const t = performance.now() - t0;
    if (t > max) max = t;
  }
  const seconds = (performance.now() - start) / 1000;
  return {
    target: target.name,
    cases,
    crashes,
    maxUs: max * 1000,
    meanUs: (seconds * 1e6) / cases,
    seconds,
    examples,
  };
}

const targets = (await allTargets()).filter(
  (t) => !only || t.name.toLowerCase().includes(only.toLowerCase()),
);
process.stderr.write(
  `fuzz: ${targets.length} parsers × ${cases.toLocaleString("en-US")} cases, seed ${seed}\n`,
);
const results: Summary[] = [];
for (const target of targets) {
  const r = fuzz(target);
  results.push(r);
  process.stderr.write(
    `${r.target}: ${r.cases.toLocaleString("en-US")} cases, ${r.crashes} crashes, max ${r.maxUs.toFixed(0)} µs, mean ${r.meanUs.toFixed(2)} µs, ${r.seconds.toFixed(1)} s\n`,
  );
  for (const e of r.examples) process.stderr.write(`  crash: ${e.slice(0, 400)}\n`);
}
if (json) process.stdout.write(`${JSON.stringify({ seed, results })}\n`);
else {
  const header = ["parser", "cases", "crashes", "max µs/case", "mean µs/case", "s"];
  const rows = results.map((r) => [
    r.target,
    r.cases.toLocaleString("en-US"),
    String(r.crashes),
    r.maxUs.toFixed(0),
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
