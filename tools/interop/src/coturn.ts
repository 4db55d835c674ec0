/**
 * coturn as a real peer for interop tests, on loopback: its `turnserver`
 * (STUN-only, or TURN with one static long-term user, optionally with a TLS
 * listener), its `turnutils_stunclient`, and its `turnutils_uclient` /
 * `turnutils_peer` pair. Recipes from INTEROP.md; every process is stopped by
 * its PID.
 * @packageDocumentation
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OPENSSL, requireOpenSsl } from "./openssl.js";
import { requirePeer } from "./peers.js";

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

/** Options of {@link startCoturn}. */
export interface CoturnOptions {
  /**
   * `"stun"`: `--stun-only` (Binding only). `"turn"`: a TURN server with one
   * static long-term user (`-a -u user:pass -r realm`), fingerprints on,
   * loopback peers allowed, no TCP relay, relay ports from a random 200-port
   * window. Default `"stun"`.
   */
  mode?: "stun" | "turn";
  /** Listening (and relay) address: `127.0.0.1` (default) or `::1`. */
  host?: "127.0.0.1" | "::1";
  /** TURN user. Default `user`. */
  username?: string;
  /** TURN password. Default `pass`. */
  password?: string;
  /** TURN realm. Default `example.org`. */
  realm?: string;
  /** `--stale-nonce=N`: nonces expire after N seconds (to provoke 438). Default: off. */
  staleNonceSeconds?: number;
  /** `--channel-lifetime`. Default coturn's (600). */
  channelLifetimeSeconds?: number;
  /** `--permission-lifetime`. Default coturn's (300). */
  permissionLifetimeSeconds?: number;
  /** `--max-allocate-lifetime`. Default coturn's (3600). */
  maxAllocateLifetimeSeconds?: number;
  /**
   * Also listen for TLS (`turns:`) on a free TCP port, with a fresh
   * self-signed ECDSA certificate for the listening IP (made with openssl).
   */
  tls?: boolean;
  /** Extra `turnserver` arguments (appended last). */
  args?: string[];
  /** How long to wait for the server to be ready (per attempt). Default 5000 ms. */
  readyTimeoutMs?: number;
}

/** A running `turnserver`, stopped with `close()` (or `await using`). */
export interface CoturnServer extends AsyncDisposable {
  /** The process id (close(), pause() and resume() signal exactly this process). */
  readonly pid: number;
  readonly mode: "stun" | "turn";
  /** The listening address: `127.0.0.1` or `::1`. */
  readonly host: string;
  /** The listening UDP port (an ephemeral one, picked free). */
  readonly port: number;
  /** `host:port` (`[host]:port` for IPv6). */
  readonly address: string;
  /** The TURN credentials (also set in STUN mode, unused there). */
  readonly username: string;
  readonly password: string;
  readonly realm: string;
  /** With `tls`: the TLS listening port. */
  readonly tlsPort: number | undefined;
  /** With `tls`: the server's certificate (PEM), to trust in the client. */
  readonly certificatePem: string | undefined;
  /** The temporary directory holding the pid file, the database and the TLS key. */
  readonly dir: string;
  /** Everything the server printed so far (bounded to 1 MB). */
  output(): string;
  /**
   * Stops the server: SIGCONT (in case it is paused) and SIGTERM to its PID,
   * SIGKILL after 2 s if it is still there, then removes its temporary
   * directory. Idempotent.
   */
  close(): Promise<void>;
  /** Freezes the server (SIGSTOP): it stays bound but answers nothing. */
  pause(): void;
  /** Resumes a paused server (SIGCONT). */
  resume(): void;
}

/** Binds a UDP socket on `host`, port 0. */
async function bindUdp(host: string): Promise<dgram.Socket> {
  const socket = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, host, () => resolve());
  });
  return socket;
}

/** A free UDP port on `host` (bound and released; a race is possible, so startCoturn retries). */
async function freeUdpPort(host: string): Promise<number> {
  const socket = await bindUdp(host);
  try {
    return socket.address().port;
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}

/** A free TCP port on `host` (listened on and released). */
async function freeTcpPort(host: string): Promise<number> {
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
async function waitUntilReady(
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
function exitWithin(exit: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    exit.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Sends `signal` to `pid`, ignoring a process that is already gone. */
function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** Writes a self-signed ECDSA P-256 certificate for IP `host` into `dir`; returns its PEM. */
function makeCertificate(dir: string, host: string): string {
  const [key, cert] = [join(dir, "key.pem"), join(dir, "cert.pem")];
  execFileSync(
    OPENSSL,
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"].concat(
      ["-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=purertc-coturn"],
      ["-addext", `subjectAltName=IP:${host}`],
    ),
    { stdio: "ignore" },
  );
  return readFileSync(cert, "utf8");
}

/** The `turnserver` command line for one attempt. */
function turnserverArgs(
  options: CoturnOptions,
  settings: { mode: "stun" | "turn"; host: string; port: number; dir: string; tlsPort: number | undefined },
  credentials: { username: string; password: string; realm: string },
): string[] {
  const { mode, host, port, dir, tlsPort } = settings;
  const args = ["-n", "--log-file=stdout", "--simple-log", "--no-cli", "-L", host, "-p", String(port)];
  args.push(`--pidfile=${join(dir, "turnserver.pid")}`, `--db=${join(dir, "turndb")}`);
  if (tlsPort !== undefined) {
    args.push("--cert", join(dir, "cert.pem"), "--pkey", join(dir, "key.pem"));
    args.push("--tls-listening-port", String(tlsPort));
  } else args.push("--no-tls");
  args.push("--no-dtls");
  if (mode === "stun") args.push("--stun-only");
  else {
    // A random 200-port relay window, so servers of parallel tests rarely share one.
    const minPort = 40000 + Math.floor(Math.random() * 100) * 200;
    args.push(
      "-E",
      host,
      "--no-tcp-relay",
      "--min-port",
      String(minPort),
      "--max-port",
      String(minPort + 199),
    );
    args.push("-a", "-u", `${credentials.username}:${credentials.password}`, "-r", credentials.realm);
    args.push("-f", "--allow-loopback-peers");
  }
  if (options.staleNonceSeconds !== undefined) args.push(`--stale-nonce=${options.staleNonceSeconds}`);
  if (options.channelLifetimeSeconds !== undefined)
    args.push("--channel-lifetime", String(options.channelLifetimeSeconds));
  if (options.permissionLifetimeSeconds !== undefined)
    args.push("--permission-lifetime", String(options.permissionLifetimeSeconds));
  if (options.maxAllocateLifetimeSeconds !== undefined)
    args.push("--max-allocate-lifetime", String(options.maxAllocateLifetimeSeconds));
  args.push(...(options.args ?? []));
  return args;
}

/**
 * Starts coturn's `turnserver` on loopback, on a free port, with its pid file
 * and SQLite database in a fresh temporary directory (so it never writes
 * under /run or /var/lib), no DTLS/CLI (TLS only with `tls`), and logs to
 * stdout. Resolves once it answers a Binding request (and, with `tls`,
 * accepts TCP on its TLS port); retries on other ports (3 attempts) if a
 * port was taken meanwhile.
 *
 * ```ts
 * await using coturn = await startCoturn({ mode: "turn" });
 * // coturn.address, coturn.username / password / realm
 * ```
 *
 * @throws Error when coturn (or, with `tls`, openssl) is missing, or the server does not start.
 */
export async function startCoturn(options: CoturnOptions = {}): Promise<CoturnServer> {
  const mode = options.mode ?? "stun";
  const host = options.host ?? "127.0.0.1";
  const credentials = {
    username: options.username ?? "user",
    password: options.password ?? "pass",
    realm: options.realm ?? "example.org",
  };
  for (const peer of options.tls ? [requireCoturn(), requireOpenSsl()] : [requireCoturn()])
    if (!peer.available) throw new Error(peer.reason);
  let lastOutput = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeUdpPort(host);
    const dir = mkdtempSync(join(tmpdir(), "purertc-coturn-"));
    const tlsPort = options.tls ? await freeTcpPort(host) : undefined;
    let certificatePem: string | undefined;
    try {
      if (options.tls) certificatePem = makeCertificate(dir, host);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    const args = turnserverArgs(options, { mode, host, port, dir, tlsPort }, credentials);
    const child: ChildProcess = spawn(TURNSERVER, args, { stdio: ["ignore", "pipe", "pipe"] });
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
          signalPid(child.pid, "SIGCONT");
          signalPid(child.pid, "SIGTERM");
          if (!(await exitWithin(exit, 2000)) && !exited) {
            signalPid(child.pid, "SIGKILL");
            await exit;
          }
        }
        child.stdout?.destroy();
        child.stderr?.destroy();
        rmSync(dir, { recursive: true, force: true });
      })();
      return closing;
    };
    if (!(await waitUntilReady(host, port, tlsPort, options.readyTimeoutMs ?? 5000, () => exited))) {
      lastOutput = out;
      await close();
      continue;
    }
    const pid = child.pid!;
    return {
      pid,
      mode,
      host,
      port,
      address: host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`,
      ...credentials,
      tlsPort,
      certificatePem,
      dir,
      output: () => out,
      close,
      [Symbol.asyncDispose]: close,
      pause: () => {
        if (!exited) process.kill(pid, "SIGSTOP");
      },
      resume: () => {
        if (!exited) process.kill(pid, "SIGCONT");
      },
    };
  }
  throw new Error(`turnserver did not start (3 attempts); last output:\n${lastOutput.slice(-2000)}`);
}

/**
 * Spawns `path args`, collects its output (each stream and both interleaved,
 * bounded), kills it by PID after `timeoutMs`.
 */
async function runBounded(path: string, args: string[], timeoutMs: number) {
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
  const peer = requireCoturn();
  if (!peer.available) throw new Error(peer.reason);
  const run = await runBounded(TURNUTILS_STUNCLIENT, [...extraArgs, "-p", String(port), host], timeoutMs);
  const m = /reflexive addr: (\S+)/.exec(run.stdout);
  return { code: run.code, stdout: run.stdout, stderr: run.stderr, reflexive: m?.[1] };
}

/** What {@link uclientSanityCheck} saw. */
export interface UclientResult {
  /** Messages turnutils_uclient sent and received back through the relay. */
  sent: number;
  received: number;
  /** Its "Total lost packets" figure. */
  lost: number;
  output: string;
}

/**
 * Checks a TURN server's setup with coturn's own reference client: starts
 * `turnutils_peer` (an echoing peer) on 127.0.0.1 and runs
 * `turnutils_uclient` through the server to it (`-n messages`, one client,
 * killed after 20 s). Both are stopped by PID before this resolves.
 */
export async function uclientSanityCheck(server: CoturnServer, messages = 10): Promise<UclientResult> {
  const peerPort = await freeUdpPort("127.0.0.1");
  const peer = spawn(TURNUTILS_PEER, ["-L", "127.0.0.1", "-p", String(peerPort)], { stdio: "ignore" });
  const peerExit = new Promise<void>((resolve) => {
    peer.once("exit", () => resolve());
    peer.once("error", () => resolve());
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const args = ["-u", server.username, "-w", server.password, "-p", String(server.port), "-e", "127.0.0.1"];
    args.push("-r", String(peerPort), "-n", String(messages), "-m", "1", server.host);
    const output = (await runBounded(TURNUTILS_UCLIENT, args, 20_000)).both;
    const totals = /tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\s*$/m.exec(output);
    const lost = /Total lost packets (\d+)/.exec(output);
    return {
      sent: Number(totals?.[1] ?? 0),
      received: Number(totals?.[2] ?? 0),
      lost: lost ? Number(lost[1]) : Number.NaN,
      output,
    };
  } finally {
    if (peer.exitCode === null && peer.pid !== undefined) signalPid(peer.pid, "SIGTERM");
    await peerExit;
  }
}
