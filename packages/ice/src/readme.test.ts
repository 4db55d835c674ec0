import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("README", () => {
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
