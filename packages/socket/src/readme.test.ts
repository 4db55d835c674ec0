import { execFile } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

/** Runs one ```ts block of the README (compiled by TypeScript, as users do: `await using`) against the built package. */
async function runBlock(match: string): Promise<string> {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const block = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .find((b) => b.includes(match));
  expect(block, `a README example with ${match}`).toBeDefined();
  const dist = fileURLToPath(new URL("../dist/", import.meta.url));
  expect(existsSync(`${dist}index.js`), "packages/socket is not built: run npm run build").toBe(true);
  const file = `${dist}readme-${process.pid}-${match.replace(/\W/g, "")}.mjs`;
  const js = ts.transpileModule(block!, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  }).outputText;
  writeFileSync(file, js);
  try {
    return (await run(process.execPath, [file], { timeout: 20_000 })).stdout;
  } finally {
    rmSync(file, { force: true });
  }
}

describe("README", () => {
  it("the UDP example runs as written and leaves no socket", async () => {
    const out = await runBlock("registry.open(");
    expect(out).toMatch(/^hello$/m);
    expect(out).toMatch(/^socket registry: no socket open$/m);
  });

  it("the TCP example runs as written and leaves no socket", async () => {
    const out = await runBlock("registry.listen(");
    expect(out.split("\n").filter(Boolean)).toEqual(["echo hello", "3", "socket registry: no socket open"]);
  });

  it("the Closer example runs as written: children closed, the timer never fires, the process exits", async () => {
    const out = await runBlock("new Closer(");
    expect(out.split("\n").filter(Boolean)).toEqual(["child's work stops", "true true"]);
  });
});
