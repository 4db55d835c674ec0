import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type CoturnServer, requireCoturn, startCoturn } from "@purertc/interop/coturn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Runs the built CLI (npx turbo run build --filter=@purertc/cli...).
const main = fileURLToPath(new URL("../../dist/main.js", import.meta.url));
const coturn = requireCoturn();

function run(...args: string[]) {
  const child: ChildProcess = spawn(process.execPath, [main, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let stderr = "";
  let buffered = "";
  const waiters: Array<() => void> = [];
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split("\n");
    buffered = parts.pop()!;
    lines.push(...parts);
    for (const w of waiters.splice(0)) w();
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const firstLine = (ms = 15_000) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no output in ${ms} ms: ${stderr}`)), ms);
      const check = () => {
        if (lines.length > 0) {
          clearTimeout(timer);
          resolve(lines[0]!);
        } else waiters.push(check);
      };
      check();
    });
  return { child, lines, exit, firstLine, stderr: () => stderr };
}

describe.skipIf(!coturn.available)("purertc turn-allocate (built CLI against coturn)", () => {
  let server: CoturnServer;
  beforeAll(async () => {
    server = await startCoturn({ mode: "turn" });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("prints the allocation as JSON, deallocates on SIGTERM and exits 0", async () => {
    const cli = run("turn-allocate", server.address, "--user", "user", "--pass", "pass", "--json");
    const first = JSON.parse(await cli.firstLine());
    expect(Object.keys(first)).toEqual(["event", "relayed", "mapped", "lifetime"]);
    expect(first.event).toBe("allocated");
    expect(first.relayed).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(first.mapped).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(first.lifetime).toBe(600);
    cli.child.kill("SIGTERM");
    expect(await cli.exit).toBe(0);
    expect(JSON.parse(cli.lines.at(-1)!)).toMatchObject({ event: "deallocated" });
  });

  it("SIGINT works the same; a wrong password exits 1 with an error event", async () => {
    const cli = run("turn-allocate", server.address, "--user", "user", "--pass", "pass", "--json");
    await cli.firstLine();
    cli.child.kill("SIGINT");
    expect(await cli.exit).toBe(0);

    const bad = run("turn-allocate", server.address, "--user", "user", "--pass", "nope", "--json");
    expect(await bad.exit).toBe(1);
    const error = JSON.parse(bad.lines[0]!);
    expect(error.event).toBe("error");
    expect(error.message).toMatch(/401|refused/);
  });

  it("missing --pass is a usage error", async () => {
    const cli = run("turn-allocate", server.address, "--user", "user");
    expect(await cli.exit).toBe(1);
    expect(cli.stderr()).toContain("usage: purertc turn-allocate");
  });
});
