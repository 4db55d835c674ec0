import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

// The README's UDP example runs as written (against the built package) and the process exits by itself.
test("the README's server/client example runs and exits", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const example = blocks.find((b) => b.includes("DtlsServer.listen"));
  expect(example).toBeDefined();
  const root = fileURLToPath(new URL("../../../", import.meta.url));
  const run = spawnSync(
    process.execPath,
    ["--input-type=module", "-e", `${example}\nconsole.log("example done");`],
    {
      cwd: root,
      encoding: "utf8",
      timeout: 20_000,
    },
  );
  expect(run.stderr).toBe("");
  expect(run.stdout).toContain("example done");
  expect(run.status).toBe(0);
});
