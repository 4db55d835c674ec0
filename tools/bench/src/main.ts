import "reflect-metadata";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type BenchRow, type BenchSuite, formatTable } from "./harness.js";

// Usage: npm run bench [-- <suite-name>...] [--quick] [--json]
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const json = args.includes("--json");
const only = args.filter((a) => !a.startsWith("--"));

const dir = fileURLToPath(new URL("./suites/", import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".js"))
  .sort();
const all: BenchRow[] = [];
for (const file of files) {
  const { suite } = (await import(`./suites/${file}`)) as { suite: BenchSuite };
  if (only.length && !only.includes(suite.name)) continue;
  process.stderr.write(`running ${suite.name}…\n`);
  const rows = await suite.run({ quick });
  all.push(...rows);
  if (!json) process.stdout.write(`\n## ${suite.name}\n${formatTable(rows)}\n`);
}
if (json) process.stdout.write(`${JSON.stringify(all)}\n`);
