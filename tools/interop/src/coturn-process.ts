import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import { readdirSync, readFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { requirePeer } from "./peers.js";

// coturn's programs, and what launching them needs: free ports, a readiness
// probe, bounded runs, and signals by PID.

/** Path of coturn's server. */
export const TURNSERVER = "/usr/bin/turnserver";
/** Path of coturn's STUN test client. */
export const TURNUTILS_STUNCLIENT = "/usr/bin/turnutils_stunclient";
/** Path of coturn's reference TURN client. */
export const TURNUTILS_UCLIENT = "/usr/bin/turnutils_uclient";
/** Path of coturn's echoing peer. */
export const TURNUTILS_PEER = "/usr/bin/turnutils_peer";

/**
 * Whether coturn (server and its turnutils) is installed. Under `CI=true` a
 * missing coturn throws (an interop test must fail, never skip, in CI);
 * elsewhere the test may skip with `reason`.
 */
export function requireCoturn(): { available: boolean; reason: string } {
  for (const path of [TURNSERVER, TURNUTILS_STUNCLIENT, TURNUTILS_UCLIENT, TURNUTILS_PEER]) {
    const found = requirePeer(path, "coturn");
    if (!found.available) return found;
  }
  return { available: true, reason: "" };
}
/** Binds a UDP socket on `host`, port 0. */
export async function bindUdp(host: string): Promise<dgram.Socket> {
  const socket = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, host, () => resolve());
  });
  return socket;
}

/** A free UDP port on `host` (bound and released; a race is possible, so startCoturn retries). */
export async function freeUdpPort(host: string): Promise<number> {
  const socket = await bindUdp(host);
  try {
    return socket.address().port;
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}

/** A free TCP port on `host` (listened on and released). */
export async function freeTcpPort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const pause50ms = () => new Promise((resolve) => setTimeout(resolve, 50));

/**
 * Ready means answering, whatever the log says: a minimal Binding request
 * (type 0x0001, no attributes) sent every 50 ms until one is answered, then,
 * with `tlsPort`, a TCP connect every 50 ms until one is accepted. Bounded by
 * `timeoutMs`, by a count, and by the process exiting.
 */
export async function waitUntilReady(
  host: string,
  port: number,
  tlsPort: number | undefined,
  timeoutMs: number,
  exited: () => boolean,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  const socket = await bindUdp(host);
  let answered = false;
  try {
    const request = Buffer.concat([Buffer.from([0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42]), randomBytes(12)]);
    socket.on("message", (data: Buffer) => {
      if (data.length >= 20 && data.subarray(8, 20).equals(request.subarray(8, 20))) answered = true;
    });
    for (let i = 0; i < 1000 && !answered && !exited() && performance.now() < deadline; i++) {
      socket.send(request, port, host);
      await pause50ms();
    }
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
  if (!answered || tlsPort === undefined) return answered;
  for (let i = 0; i < 200 && !exited() && performance.now() < deadline; i++) {
    const accepted = await new Promise<boolean>((resolve) => {
      const tcp = connect({ host, port: tlsPort });
      tcp.once("connect", () => {
        tcp.destroy();
        resolve(true);
      });
      tcp.once("error", () => {
        tcp.destroy();
        resolve(false);
      });
    });
    if (accepted) return true;
    await pause50ms();
  }
  return false;
}

/** Waits for `exit`, at most `ms`; the timer is cleared either way. */
export function exitWithin(exit: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    exit.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Returns once every thread of `pid` is stopped (state `T` in
 * /proc/<pid>/task/<tid>/stat), or the process is gone, or after
 * `timeoutMs`. SIGSTOP reaches a thread busy on another core a little later,
 * and a paused server must not answer one more request.
 */
export function waitUntilStopped(pid: number, timeoutMs = 1000): void {
  const deadline = performance.now() + timeoutMs;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 1000 && performance.now() < deadline; i++) {
    let stopped = true;
    try {
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "latin1");
        // The state follows the command name, which is in parentheses and may hold spaces.
        const state = stat.charAt(stat.lastIndexOf(")") + 2);
        if (state !== "T" && state !== "t") stopped = false;
      }
    } catch {
      return; // gone
    }
    if (stopped) return;
    Atomics.wait(nap, 0, 0, 1);
  }
}

/** Sends `signal` to `pid`, ignoring a process that is already gone. */
export function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}
/**
 * Spawns `path args`, collects its output (each stream and both interleaved,
 * bounded), kills it by PID after `timeoutMs`.
 */
export async function runBounded(path: string, args: string[], timeoutMs: number) {
  const child = spawn(path, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let both = "";
  child.stdout.on("data", (d: Buffer) => {
    if (stdout.length < 1_000_000) stdout += d.toString("latin1");
    if (both.length < 1_000_000) both += d.toString("latin1");
  });
  child.stderr.on("data", (d: Buffer) => {
    if (stderr.length < 1_000_000) stderr += d.toString("latin1");
    if (both.length < 1_000_000) both += d.toString("latin1");
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
    signalPid(child.pid, "SIGKILL");
    await exit;
    code = null;
  }
  return { code: code as number | null, stdout, stderr, both };
}
