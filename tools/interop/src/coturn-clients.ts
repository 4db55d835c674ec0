import { spawn } from "node:child_process";
import type { CoturnServer } from "./coturn-config.js";
import {
  bindUdp,
  freeUdpPort,
  requireCoturn,
  runBounded,
  signalPid,
  TURNUTILS_PEER,
  TURNUTILS_STUNCLIENT,
  TURNUTILS_UCLIENT,
} from "./coturn-process.js";

// coturn's own clients, run against a server: turnutils_stunclient, and
// turnutils_uclient through the relay to turnutils_peer.

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
    await echoReady(peerPort);
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

/**
 * Waits until turnutils_peer echoes on `port` (a datagram every 100 ms, at
 * most 10 s): a fixed pause was too short on a loaded machine, and
 * uclient's first messages went to a peer not yet listening.
 */
async function echoReady(port: number): Promise<void> {
  const probe = await bindUdp("127.0.0.1");
  try {
    const echoed = new Promise<void>((resolve) => probe.once("message", () => resolve()));
    for (let i = 0; i < 100; i++) {
      probe.send("ready?", port, "127.0.0.1");
      const done = await Promise.race([
        echoed.then(() => true),
        new Promise((r) => setTimeout(() => r(false), 100)),
      ]);
      if (done) return;
    }
    throw new Error(`turnutils_peer did not echo on 127.0.0.1:${port} within 10 s`);
  } finally {
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  }
}
