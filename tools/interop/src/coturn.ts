/**
 * coturn as a real peer for interop tests, on loopback: its `turnserver`
 * (STUN-only, or TURN with one static long-term user, optionally with a TLS
 * listener), its `turnutils_stunclient`, and its `turnutils_uclient` /
 * `turnutils_peer` pair. Recipes from INTEROP.md; every process is stopped by
 * its PID.
 * @packageDocumentation
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CoturnOptions, type CoturnServer, makeCertificate, turnserverArgs } from "./coturn-config.js";
import {
  exitWithin,
  freeTcpPort,
  freeUdpPort,
  requireCoturn,
  signalPid,
  TURNSERVER,
  waitUntilReady,
  waitUntilStopped,
} from "./coturn-process.js";
import { requireOpenSsl } from "./openssl.js";

export {
  runStunClient,
  type StunClientRun,
  type UclientResult,
  uclientSanityCheck,
} from "./coturn-clients.js";
export type { CoturnOptions, CoturnServer } from "./coturn-config.js";
export {
  requireCoturn,
  TURNSERVER,
  TURNUTILS_PEER,
  TURNUTILS_STUNCLIENT,
  TURNUTILS_UCLIENT,
} from "./coturn-process.js";

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
        if (exited) return;
        process.kill(pid, "SIGSTOP");
        waitUntilStopped(pid);
      },
      resume: () => {
        if (!exited) process.kill(pid, "SIGCONT");
      },
    };
  }
  throw new Error(`turnserver did not start (3 attempts); last output:\n${lastOutput.slice(-2000)}`);
}
