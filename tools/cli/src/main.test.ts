import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseHostPort, UsageError } from "./command.js";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const run = (...args: string[]) =>
  spawnSync(process.execPath, [main, ...args], { encoding: "utf8", timeout: 20_000 });

describe("purertc command", () => {
  it("lists its commands with --help and exits 0", () => {
    const r = run("--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("usage: purertc <command>");
  });

  it("rejects an unknown command with exit 1 and the usage on stderr", () => {
    const r = run("no-such-command");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('unknown command "no-such-command"');
  });
});

describe("parseHostPort", () => {
  it("parses IPv4, bracketed IPv6 and a default port", () => {
    expect(parseHostPort("127.0.0.1:3478")).toEqual({ host: "127.0.0.1", port: 3478 });
    expect(parseHostPort("[::1]:5349")).toEqual({ host: "::1", port: 5349 });
    expect(parseHostPort("localhost", 3478)).toEqual({ host: "localhost", port: 3478 });
  });

  it("says what is wrong with a bad address", () => {
    expect(() => parseHostPort("127.0.0.1:99999")).toThrow(UsageError);
    expect(() => parseHostPort("127.0.0.1")).toThrow(/host:port/);
  });
});
