import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

async function runExample(block: string, name: string): Promise<string> {
  const dist = fileURLToPath(new URL("../dist/", import.meta.url));
  expect(existsSync(`${dist}index.js`), "packages/ice is not built: run npm run build").toBe(true);
  const file = `${dist}readme-${name}-${process.pid}.mjs`;
  writeFileSync(file, block);
  try {
    return (await run(process.execPath, [file], { timeout: 20_000 })).stdout;
  } finally {
    rmSync(file, { force: true });
  }
}

describe("README", () => {
  it("its ICE over TCP example runs as written and the process exits by itself", async () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const example = blocks.find((b) => b.includes("tcp: { passive: true }"));
    expect(example).toBeDefined();
    const stdout = await runExample(example!, "tcp");
    expect(stdout).toMatch(/^server tcp passive port N$/m);
    expect(stdout).toMatch(/^client tcp active port 9$/m);
    expect(stdout).toMatch(/^selected active -> passive$/m);
    expect(stdout).toMatch(/^server got hello over tcp$/m);
  });

  it("its example runs as written (against the built package) and the process exits by itself", async () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toContain("new IceAgent");
    const dist = fileURLToPath(new URL("../dist/", import.meta.url));
    expect(existsSync(`${dist}index.js`), "packages/ice is not built: run npm run build").toBe(true);
    mkdirSync(dist, { recursive: true });
    const file = `${dist}readme-example-${process.pid}.mjs`;
    writeFileSync(file, example!);
    try {
      const { stdout } = await run(process.execPath, [file], { timeout: 20_000 });
      expect(stdout).toMatch(/^a: checking$/m);
      expect(stdout).toMatch(/^selected 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+$/m);
      expect(stdout).toMatch(/^b got hello$/m);
      expect(stdout).toMatch(/^a: closed$/m);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
