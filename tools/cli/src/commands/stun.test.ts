import { type ChildProcess, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// These tests run the built CLI (npx turbo run build --filter=@purertc/cli...).
const main = fileURLToPath(new URL("../../dist/main.js", import.meta.url));

interface Run {
  child: ChildProcess;
  lines: string[];
  stderr: string[];
  /** Resolves with the exit code (null when killed by a signal). */
  exit: Promise<number | null>;
  /** Resolves with the first stdout line matching, or rejects after `ms`. */
  line(match: (line: string) => boolean, ms?: number): Promise<string>;
}

function run(...args: string[]): Run {
  const child = spawn(process.execPath, [main, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const stderr: string[] = [];
  const waiters: Array<() => void> = [];
  let buffered = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split("\n");
    buffered = parts.pop()!;
    lines.push(...parts);
    for (const w of waiters.splice(0)) w();
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => stderr.push(chunk));
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const line = (match: (line: string) => boolean, ms = 15_000) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching line in ${ms} ms: ${lines.join("\n")} ${stderr.join("")}`)),
        ms,
      );
      const check = () => {
        const found = lines.find(match);
        if (found !== undefined) {
          clearTimeout(timer);
          resolve(found);
        } else waiters.push(check);
      };
      check();
    });
  return { child, lines, stderr, exit, line };
}

describe("purertc stun / stun-server (built CLI, real UDP on loopback)", () => {
  it("stun against stun-server prints the binding; the server stops on SIGTERM and exits 0", async () => {
    const server = run("stun-server", "--listen", "127.0.0.1:0", "--json");
    try {
      const listening = JSON.parse(await server.line((l) => l.includes('"listening"')));
      expect(listening.event).toBe("listening");
      expect(listening.address).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(server.lines[0]).toBe(JSON.stringify(listening)); // the first line

      const client = run("stun", listening.address, "--json");
      expect(await client.exit).toBe(0);
      expect(client.lines).toHaveLength(1);
      const binding = JSON.parse(client.lines[0]!);
      expect(binding.event).toBe("binding");
      expect(binding.server).toBe(listening.address);
      expect(binding.mapped).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(binding.mapped).not.toBe(listening.address);
      expect(typeof binding.rttMs).toBe("number");
      expect(binding.software).toBe("purertc");

      // Human-readable output too.
      const human = run("stun", listening.address);
      expect(await human.exit).toBe(0);
      expect(human.lines[0]).toMatch(/^mapped 127\.0\.0\.1:\d+ from 127\.0\.0\.1:\d+ in [\d.]+ ms/);

      server.child.kill("SIGTERM");
      expect(await server.exit).toBe(0);
      const stopped = JSON.parse(server.lines.at(-1)!);
      expect(stopped).toMatchObject({ event: "stopped", requests: 2, successResponses: 2 });
    } finally {
      server.child.kill("SIGKILL");
    }
  });

  it("stun-server exits 0 on SIGINT too", async () => {
    const server = run("stun-server", "--listen", "127.0.0.1:0", "--json");
    try {
      await server.line((l) => l.includes('"listening"'));
      server.child.kill("SIGINT");
      expect(await server.exit).toBe(0);
    } finally {
      server.child.kill("SIGKILL");
    }
  });

  it("stun times out against a silent peer: error event, exit 1", async () => {
    // A real socket that receives and never answers.
    const silent = createSocket("udp4");
    await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", resolve));
    try {
      const client = run(
        "stun",
        `127.0.0.1:${silent.address().port}`,
        "--timeout",
        "300",
        "--rto",
        "50",
        "--json",
      );
      expect(await client.exit).toBe(1);
      const error = JSON.parse(client.lines[0]!);
      expect(error.event).toBe("error");
      expect(error.message).toMatch(/no response/);
    } finally {
      silent.close();
    }
  });

  it("stun interrupted by SIGINT closes and exits 0", async () => {
    const silent = createSocket("udp4");
    let received = 0;
    silent.on("message", () => received++);
    await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", resolve));
    try {
      const client = run("stun", `127.0.0.1:${silent.address().port}`, "--timeout", "20000", "--json");
      for (let i = 0; i < 300 && received === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(received).toBeGreaterThan(0);
      client.child.kill("SIGINT");
      expect(await client.exit).toBe(0);
    } finally {
      silent.close();
    }
  });

  it("bad arguments: exit 1 with the usage", async () => {
    const r = run("stun");
    expect(await r.exit).toBe(1);
    expect(r.stderr.join("")).toContain("usage: purertc stun");
    const s = run("stun-server", "--user", "nocolon");
    expect(await s.exit).toBe(1);
  });
});
