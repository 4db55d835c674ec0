/**
 * coturn as a real peer for interop tests: its `turnserver` (STUN-only, or
 * TURN with one long-term user) and its `turnutils_stunclient`, on loopback.
 * Recipes from INTEROP.md; every process is stopped by its PID.
 * @packageDocumentation
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requirePeer } from "./peers.js";

/** Path of coturn's server. */
export const TURNSERVER_PATH = "/usr/bin/turnserver";
/** Path of coturn's STUN test client. */
export const STUNCLIENT_PATH = "/usr/bin/turnutils_stunclient";

/**
 * Whether coturn is installed. Under `CI=true` a missing coturn throws (an
 * interop test must fail, never skip, in CI); elsewhere the test may skip
 * with `reason`.
 */
export function coturnAvailable(): { available: boolean; reason: string } {
  const server = requirePeer(TURNSERVER_PATH, "coturn");
  if (!server.available) return server;
  return requirePeer(STUNCLIENT_PATH, "coturn");
}

/** Options of {@link startCoturn}. */
export interface CoturnOptions {
  /**
   * `"stun"`: `--stun-only` (Binding only). `"turn"`: a TURN server with one
   * static long-term user (`-a -u user:pass -r realm`), fingerprints on,
   * loopback peers allowed, relay ports from a random 200-port window.
   * Default `"stun"`.
   */
  mode?: "stun" | "turn";
  /** Listening address. Default `127.0.0.1` (`::1` works too). */
  address?: string;
  /** TURN user. Default `user`. */
  username?: string;
  /** TURN password. Default `pass`. */
  password?: string;
  /** TURN realm. Default `example.org`. */
  realm?: string;
  /** Extra `turnserver` arguments. */
  args?: string[];
  /** How long to wait for the server to answer a Binding request. Default 5000 ms. */
  readyTimeoutMs?: number;
}

/** A running `turnserver`, stopped with `close()` (or `await using`). */
export interface CoturnServer extends AsyncDisposable {
  /** The process id (close() signals exactly this process). */
  readonly pid: number;
  readonly mode: "stun" | "turn";
  /** The listening address, e.g. `127.0.0.1`. */
  readonly host: string;
  /** The listening UDP port (an ephemeral one, picked free). */
  readonly port: number;
  /** `host:port` (`[host]:port` for IPv6). */
  readonly address: string;
  /** The TURN credentials (also set in STUN mode, unused there). */
  readonly username: string;
  readonly password: string;
  readonly realm: string;
  /** The temporary directory holding the pid file and the database. */
  readonly dir: string;
  /** Everything the server printed so far (bounded to 1 MB). */
  output(): string;
  /**
   * Stops the server: SIGTERM to its PID, SIGKILL after 2 s if it is still
   * there, then removes its temporary directory. Idempotent.
   */
  close(): Promise<void>;
}

/** A free UDP port on `host` (bound and released; a race is possible, so startCoturn retries). */
async function freeUdpPort(host: string): Promise<number> {
  const socket = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, host, () => resolve());
    });
    return socket.address().port;
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}

/**
 * Sends minimal Binding requests (type 0x0001, no attributes) every 50 ms
 * until one is answered: that is "ready", whatever the log says. Bounded by
 * `timeoutMs` and by the process exiting.
 */
async function waitForBinding(host: string, port: number, timeoutMs: number, exited: () => boolean) {
  const socket = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, host, () => resolve());
    });
    const request = Buffer.concat([Buffer.from([0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42]), randomBytes(12)]);
    let answered = false;
    socket.on("message", (data: Buffer) => {
      if (data.length >= 20 && data.subarray(8, 20).equals(request.subarray(8, 20))) answered = true;
    });
    const deadline = performance.now() + timeoutMs;
    for (let i = 0; i < 1000 && !answered && !exited() && performance.now() < deadline; i++) {
      socket.send(request, port, host);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return answered;
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}

/** Waits for `child` to exit, at most `ms`; the timer is cleared either way. */
function exitWithin(exit: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    exit.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Starts coturn's `turnserver` on loopback, on a free port, with its pid file
 * and SQLite database in a fresh temporary directory (so it never writes
 * under /run or /var/lib), no TLS/DTLS/CLI, and logs to stdout. Resolves once
 * it answers a Binding request; retries on another port (3 attempts) if the
 * port was taken meanwhile.
 *
 * ```ts
 * await using coturn = await startCoturn({ mode: "turn" });
 * // coturn.address, coturn.username / password / realm
 * ```
 *
 * @throws Error when coturn is missing or does not start.
 */
export async function startCoturn(options: CoturnOptions = {}): Promise<CoturnServer> {
  const mode = options.mode ?? "stun";
  const host = options.address ?? "127.0.0.1";
  const username = options.username ?? "user";
  const password = options.password ?? "pass";
  const realm = options.realm ?? "example.org";
  const peer = coturnAvailable();
  if (!peer.available) throw new Error(peer.reason);
  let lastOutput = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeUdpPort(host);
    const dir = mkdtempSync(join(tmpdir(), "purertc-coturn-"));
    const args = [
      "-n",
      "--log-file=stdout",
      "--simple-log",
      "--no-cli",
      "--no-tls",
      "--no-dtls",
      "-L",
      host,
      "-p",
      String(port),
      `--pidfile=${join(dir, "turnserver.pid")}`,
      `--db=${join(dir, "turndb")}`,
    ];
    if (mode === "stun") args.push("--stun-only");
    else {
      const minPort = 40000 + Math.floor(Math.random() * 100) * 200;
      args.push(
        "-E",
        host,
        "--no-tcp-relay",
        "--min-port",
        String(minPort),
        "--max-port",
        String(minPort + 199),
        "-a",
        "-u",
        `${username}:${password}`,
        "-r",
        realm,
        "-f",
        "--allow-loopback-peers",
      );
    }
    args.push(...(options.args ?? []));
    const child: ChildProcess = spawn(TURNSERVER_PATH, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let exited = false;
    const collect = (d: Buffer) => {
      if (out.length < 1_000_000) out += d.toString("latin1");
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    const exit = new Promise<void>((resolve) => {
      const done = () => {
        exited = true;
        resolve();
      };
      child.once("exit", done);
      child.once("error", done);
    });
    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        if (!exited && child.pid !== undefined) {
          try {
            process.kill(child.pid, "SIGTERM");
          } catch {
            // Already gone.
          }
          if (!(await exitWithin(exit, 2000)) && !exited) {
            try {
              process.kill(child.pid, "SIGKILL");
            } catch {
              // Already gone.
            }
            await exit;
          }
        }
        child.stdout?.destroy();
        child.stderr?.destroy();
        rmSync(dir, { recursive: true, force: true });
      })();
      return closing;
    };
    if (!(await waitForBinding(host, port, options.readyTimeoutMs ?? 5000, () => exited))) {
      lastOutput = out;
      await close();
      continue;
    }
    return {
      pid: child.pid!,
      mode,
      host,
      port,
      address: host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`,
      username,
      password,
      realm,
      dir,
      output: () => out,
      close,
      [Symbol.asyncDispose]: close,
    };
  }
  throw new Error(`turnserver did not start (3 attempts); last output:\n${lastOutput.slice(-2000)}`);
}

/** What one `turnutils_stunclient` run printed. */
export interface StunClientRun {
  /** Exit code; null when it was killed at the deadline. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** The reflexive (mapped) address it printed, e.g. `127.0.0.1:47208`. */
  reflexive: string | undefined;
}

/**
 * Runs coturn's `turnutils_stunclient -p <port> <host>` once against a STUN
 * server. It waits forever for an answer, so it is killed (by PID) after
 * `timeoutMs` (default 5000 ms); then `code` is null.
 *
 * @param extraArgs - e.g. `["-f"]` to send RFC 5780 CHANGE-REQUEST
 */
export async function runStunClient(
  host: string,
  port: number,
  timeoutMs = 5000,
  extraArgs: string[] = [],
): Promise<StunClientRun> {
  const peer = coturnAvailable();
  if (!peer.available) throw new Error(peer.reason);
  const child = spawn(STUNCLIENT_PATH, [...extraArgs, "-p", String(port), host], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    if (stdout.length < 100_000) stdout += d.toString("utf8");
  });
  child.stderr.on("data", (d: Buffer) => {
    if (stderr.length < 100_000) stderr += d.toString("utf8");
  });
  let code: number | null = null;
  const exit = new Promise<void>((resolve) => {
    child.once("exit", (c) => {
      code = c;
      resolve();
    });
    child.once("error", () => resolve());
  });
  if (!(await exitWithin(exit, timeoutMs)) && child.pid !== undefined) {
    try {
      process.kill(child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
    await exit;
    code = null;
  }
  const m = /reflexive addr: (\S+)/.exec(stdout);
  return { code, stdout, stderr, reflexive: m?.[1] };
}
