import { execFile } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type CoturnServer, requireCoturn, startCoturn } from "@purertc/interop/coturn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const coturn = requireCoturn();

describe.skipIf(!coturn.available)("README", () => {
  let server: CoturnServer;
  beforeAll(async () => {
    server = await startCoturn({ mode: "turn" });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("its example runs as written against coturn (built package) and the process exits by itself", async () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toContain("new TurnClient");
    const dist = fileURLToPath(new URL("../dist/", import.meta.url));
    expect(existsSync(`${dist}index.js`), "packages/turn is not built: run npm run build").toBe(true);
    const file = `${dist}readme-example-${process.pid}.mjs`;
    writeFileSync(file, example!);
    try {
      const { stdout } = await run(process.execPath, [file], {
        timeout: 20_000,
        env: { ...process.env, TURN_SERVER: server.address },
      });
      expect(stdout).toMatch(/^relayed 127\.0\.0\.1:\d+ mapped 127\.0\.0\.1:\d+ lifetime 600$/m);
      expect(stdout).toMatch(/^echo: hello through the relay$/m);
      expect(stdout).toMatch(/^send indications 1, malformed 0$/m);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
