import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requirePeer } from "./peers.js";

/** Path of coturn's server binary. */
export const TURNSERVER = "/usr/bin/turnserver";
/** Path of coturn's reference client. */
export const TURNUTILS_UCLIENT = "/usr/bin/turnutils_uclient";
/** Path of coturn's echoing peer. */
export const TURNUTILS_PEER = "/usr/bin/turnutils_peer";

/** Whether coturn is installed; under CI=true a missing one throws (see requirePeer). */
export function requireCoturn(): { available: boolean; reason: string } {
  return requirePeer(TURNSERVER, "coturn");
}

/** Options of {@link startCoturnTurn}. */
export interface CoturnTurnOptions {
  /** Listening and relay address: `127.0.0.1` (default) or `::1`. */
  host?: "127.0.0.1" | "::1";
  /** Long-term user. Default `user`. */
  username?: string;
  /** Its password. Default `pass`. */
  password?: string;
  /** Realm. Default `example.org`. */
  realm?: string;
  /** `--stale-nonce=N`: nonces expire after N seconds (to provoke 438). Default: off. */
  staleNonceSeconds?: number;
  /** `--channel-lifetime`. Default coturn's (600). */
  channelLifetimeSeconds?: number;
  /** `--permission-lifetime`. Default coturn's (300). */
  permissionLifetimeSeconds?: number;
  /** `--max-allocate-lifetime`. Default coturn's (3600). */
  maxAllocateLifetimeSeconds?: number;
  /** Extra arguments. */
  args?: string[];
  /** How long to wait for the server to answer a Binding request. Default 5000 ms. */
  readyTimeoutMs?: number;
  /**
   * Also listen for TURN over TLS (`turns:`) on a free TCP port, with a fresh
   * self-signed ECDSA certificate for the listening IP (made with openssl).
   */
  tls?: boolean;
}

/** A running coturn TURN server on 127.0.0.1 (or ::1). */
export interface CoturnTurnServer {
  readonly pid: number;
  /** `127.0.0.1` or `::1`. */
  readonly host: string;
  readonly port: number;
  /** `127.0.0.1:port` or `[::1]:port`. */
  readonly address: string;
  readonly username: string;
  readonly password: string;
  readonly realm: string;
  /** With `tls`: the TLS listening port. */
  readonly tlsPort: number | undefined;
  /** With `tls`: the server's certificate (PEM), to trust in the client. */
  readonly certificatePem: string | undefined;
  /** Everything printed so far. */
  output(): string;
  /** Stops the server (SIGTERM, then SIGKILL after 2 s, by PID) and removes its temp dir. */
  close(): Promise<void>;
  /** Freezes the server (SIGSTOP): it stays bound but answers nothing. */
  pause(): void;
  /** Resumes a paused server (SIGCONT). */
  resume(): void;
}

/** A free UDP port on `host` (bound and released; a small race is possible, so callers retry). */
async function freeUdpPort(host = "127.0.0.1"): Promise<number> {
  const socket = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, host, () => resolve());
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
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

/** Connects to a TCP port until it accepts (bounded by `timeoutMs`). */
async function waitForTcp(
  host: string,
  port: number,
  timeoutMs: number,
  exited: () => boolean,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (let i = 0; i < 200 && !exited() && performance.now() < deadline; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => {
        socket.destroy();
        resolve(false);
      });
    });
    if (ok) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/** Sends STUN Binding requests until the server answers (it is then ready), bounded by `timeoutMs`. */
async function waitForStun(
  host: string,
  port: number,
  timeoutMs: number,
  exited: () => boolean,
): Promise<boolean> {
  const socket = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, host, () => resolve());
    });
    // A minimal RFC 8489 Binding request: type 0x0001, length 0, magic cookie, random id.
    const request = Buffer.concat([Buffer.from([0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42]), randomBytes(12)]);
    let answered = false;
    socket.on("message", (data) => {
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

/**
 * Starts coturn's `turnserver` as a TURN server on 127.0.0.1 with one static
 * long-term user (the INTEROP.md recipe: `-a -u user:pass -r realm
 * --allow-loopback-peers`, fingerprints on, no TLS/DTLS/CLI, pid file and
 * database in a temp dir), on a free port with a random relay port window.
 * Resolves once it answers a STUN Binding request. Stop it with close().
 */
export async function startCoturnTurn(options: CoturnTurnOptions = {}): Promise<CoturnTurnServer> {
  const username = options.username ?? "user";
  const password = options.password ?? "pass";
  const realm = options.realm ?? "example.org";
  const host = options.host ?? "127.0.0.1";
  let lastOutput = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeUdpPort(host);
    const dir = mkdtempSync(join(tmpdir(), "purertc-coturn-"));
    let tlsPort: number | undefined;
    let certificatePem: string | undefined;
    if (options.tls) {
      tlsPort = await freeTcpPort(host);
      execFileSync(
        "/usr/bin/openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:prime256v1",
          "-nodes",
          "-keyout",
          join(dir, "key.pem"),
          "-out",
          join(dir, "cert.pem"),
          "-days",
          "2",
          "-subj",
          "/CN=purertc-coturn",
          "-addext",
          `subjectAltName=IP:${host}`,
        ],
        { stdio: "ignore" },
      );
      certificatePem = readFileSync(join(dir, "cert.pem"), "utf8");
    }
    // A random 200-port relay window, so servers of parallel tests rarely share one.
    const minPort = 40000 + Math.floor(Math.random() * 100) * 200;
    const args = [
      "-n",
      "--log-file=stdout",
      "--simple-log",
      "--no-cli",
      ...(options.tls
        ? [
            "--cert",
            join(dir, "cert.pem"),
            "--pkey",
            join(dir, "key.pem"),
            "--tls-listening-port",
            String(tlsPort),
          ]
        : ["--no-tls"]),
      "--no-dtls",
      "--no-tcp-relay",
      "-L",
      host,
      "-E",
      host,
      "-p",
      String(port),
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
      `--db=${join(dir, "turndb")}`,
      `--pidfile=${join(dir, "turn.pid")}`,
    ];
    if (options.staleNonceSeconds !== undefined) args.push(`--stale-nonce=${options.staleNonceSeconds}`);
    if (options.channelLifetimeSeconds !== undefined)
      args.push("--channel-lifetime", String(options.channelLifetimeSeconds));
    if (options.permissionLifetimeSeconds !== undefined)
      args.push("--permission-lifetime", String(options.permissionLifetimeSeconds));
    if (options.maxAllocateLifetimeSeconds !== undefined)
      args.push("--max-allocate-lifetime", String(options.maxAllocateLifetimeSeconds));
    args.push(...(options.args ?? []));
    const child: ChildProcess = spawn(TURNSERVER, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let exited = false;
    child.stdout?.on("data", (d: Buffer) => {
      if (out.length < 1_000_000) out += d.toString("latin1");
    });
    child.stderr?.on("data", (d: Buffer) => {
      if (out.length < 1_000_000) out += d.toString("latin1");
    });
    const exit = new Promise<void>((resolve) => {
      child.once("exit", () => {
        exited = true;
        resolve();
      });
      child.once("error", () => {
        exited = true;
        resolve();
      });
    });
    const stop = async () => {
      if (!exited && child.pid !== undefined) {
        try {
          process.kill(child.pid, "SIGCONT");
          process.kill(child.pid, "SIGTERM");
        } catch {
          // Already gone.
        }
        const killed = await Promise.race([
          exit.then(() => true),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000).unref()),
        ]);
        if (!killed && !exited) {
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
    };
    const ready =
      (await waitForStun(host, port, options.readyTimeoutMs ?? 5000, () => exited)) &&
      (tlsPort === undefined ||
        (await waitForTcp(host, tlsPort, options.readyTimeoutMs ?? 5000, () => exited)));
    if (!ready) {
      lastOutput = out;
      await stop();
      continue;
    }
    const pid = child.pid!;
    return {
      pid,
      host,
      port,
      address: host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`,
      username,
      password,
      realm,
      tlsPort,
      certificatePem,
      output: () => out,
      close: stop,
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
 * Checks a server's setup with coturn's own reference client: starts
 * `turnutils_peer` (an echoing peer) on 127.0.0.1 and runs
 * `turnutils_uclient` through the server to it (`-n messages`, one client).
 * Both are stopped by PID before this resolves.
 */
export async function uclientSanityCheck(server: CoturnTurnServer, messages = 10): Promise<UclientResult> {
  const peerPort = await freeUdpPort();
  const peer = spawn(TURNUTILS_PEER, ["-L", "127.0.0.1", "-p", String(peerPort)], { stdio: "ignore" });
  const peerExit = new Promise<void>((resolve) => {
    peer.once("exit", () => resolve());
    peer.once("error", () => resolve());
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const args = ["-u", server.username, "-w", server.password, "-p", String(server.port), "-e", "127.0.0.1"];
    args.push("-r", String(peerPort), "-n", String(messages), "-m", "1", server.host);
    const output = await new Promise<string>((resolve) => {
      const child = spawn(TURNUTILS_UCLIENT, args, { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout?.on("data", (d: Buffer) => {
        if (out.length < 1_000_000) out += d.toString("latin1");
      });
      child.stderr?.on("data", (d: Buffer) => {
        if (out.length < 1_000_000) out += d.toString("latin1");
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve(out);
      });
      child.once("error", () => {
        clearTimeout(timer);
        resolve(out);
      });
    });
    const totals = /tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\s*$/m.exec(output);
    const lost = /Total lost packets (\d+)/.exec(output);
    return {
      sent: Number(totals?.[1] ?? 0),
      received: Number(totals?.[2] ?? 0),
      lost: lost ? Number(lost[1]) : Number.NaN,
      output,
    };
  } finally {
    if (peer.exitCode === null && peer.pid !== undefined) peer.kill("SIGTERM");
    await peerExit;
  }
}
