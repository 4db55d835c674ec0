import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ask, type Message, started, stop } from "../child-ipc.js";
import type { BenchRow, BenchSuite } from "../harness.js";
import { type UdpCounters, udpCounters, udpCountersSince } from "../udp-counters.js";
import {
  dropsSince,
  ELSEWHERE,
  formatOwnerDrops,
  type OwnerDrops,
  type SocketOwner,
  udpSockets,
} from "../udp-sockets.js";

/**
 * Server mode at scale: N server-side PeerConnections in one process, all
 * on one UDP port (a UdpMux), their peers in other processes with a socket
 * each (as browsers), consent running on both sides. Measured in the server
 * process: time to connect them all, heap and RSS per connection after GC,
 * CPU to hold them for the hold time, and how many are still `connected`
 * at its end. The same-run reference is today's design (each server
 * PeerConnection with a socket of its own) at MUX_BENCH_REFERENCE_N.
 *
 * Environment: MUX_BENCH_N (default 10000; --quick 200), MUX_BENCH_HOLD_S
 * (60; --quick 5), MUX_BENCH_PEER_PROCESSES (2), MUX_BENCH_REFERENCE_N
 * (5000; --quick 200; 0 skips it), MUX_BENCH_WINDOW (offers in flight per
 * peer process, 64), MUX_BENCH_LITE=1 (ICE-lite servers), MUX_BENCH_CHANNEL=1 (each
 * peer opens a data channel, and a PC counts as connected once it is open: the heap per
 * connection then includes the SCTP association and the channel).
 *
 * Kernel receive-buffer drops are read host-wide (/proc/net/snmp) and per
 * socket (/proc/net/udp drops, by the inodes each process holds): the
 * server's mux socket (or its sockets), and each peer process's sockets.
 */

const serverPath = fileURLToPath(new URL("../mux/server.js", import.meta.url));
const peersPath = fileURLToPath(new URL("../mux/peers.js", import.meta.url));

interface Result {
  n: number;
  connected: number;
  connectMs: number;
  heapKiB: number;
  rssKiB: number;
  holdCpuPercent: number;
  stillServer: number;
  stillPeers: number;
  closeMs: number;
  mux: Message | undefined;
  errors: number;
  neverConnected: number;
  /** Server PCs that were connected and then failed: while others were still connecting, and during the hold. */
  failedWhileConnecting: number;
  failedInHold: number;
  /** `disconnected` episodes of connected server PCs (consent checks unanswered for a while): while others connected, in the hold. */
  disconnectedWhileConnecting: number;
  disconnectedInHold: number;
  /** The kernel's UDP buffer drops (host-wide) while connecting and in the hold; undefined off Linux. */
  udpWhileConnecting: UdpCounters | undefined;
  udpInHold: UdpCounters | undefined;
  /** The same drops per socket owner (server first, then each peer process); undefined off Linux. */
  socketDropsWhileConnecting: OwnerDrops[] | undefined;
  socketDropsInHold: OwnerDrops[] | undefined;
}

/** The host-wide drops no listed socket accounts for: sockets closed within the phase (their counters went with them). */
function unlisted(hostWide: UdpCounters | undefined, list: OwnerDrops[] | undefined): string {
  if (!hostWide || !list) return "?";
  const listed = list.reduce((sum, d) => sum + d.drops, 0);
  return `${hostWide.rcvbufErrors - listed} on sockets closed meanwhile`;
}

/** Drops of the owners whose name starts with `prefix` ("server", "peer", ELSEWHERE), NaN when unknown. */
function dropsOf(list: OwnerDrops[] | undefined, prefix: string): number {
  if (!list) return Number.NaN;
  return list.filter((d) => d.name.startsWith(prefix)).reduce((sum, d) => sum + d.drops, 0);
}

async function scenario(
  mode: "mux" | "sockets",
  n: number,
  holdMs: number,
  processes: number,
  window: number,
  lite: boolean,
): Promise<Result> {
  const channel = process.env.MUX_BENCH_CHANNEL === "1" ? ["--channel"] : [];
  const server = fork(serverPath, [mode, ...(lite ? ["--lite"] : []), ...channel], {
    execArgv: ["--expose-gc"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const peers: ChildProcess[] = [];
  try {
    const muxPort = (await started(server)).port as number | undefined;
    const before = (await ask(server, { measure: true }, "memory")).memory as {
      heapUsed: number;
      rss: number;
    };
    const per = Math.ceil(n / processes);
    const owner: ChildProcess[] = [];
    let errors = 0;
    const serverIds = new Set<number>();
    let serverUp = 0;
    let peersUp = 0;
    let neverConnected = 0;
    let holding = false;
    let failedWhileConnecting = 0;
    let failedInHold = 0;
    let disconnectedWhileConnecting = 0;
    let disconnectedInHold = 0;
    let done: (() => void) | undefined;
    const check = () => {
      if (serverUp >= n - neverConnected && peersUp >= n - neverConnected) done?.();
    };
    server.on("message", (m: Message) => {
      if (m.answer) owner[(m.answer as { id: number }).id]?.send(m);
      else if (m.connected !== undefined) {
        // A PeerConnection that comes back from disconnected reports again: count each once.
        serverIds.add(m.connected as number);
        serverUp = serverIds.size;
        check();
      } else if (m.failed !== undefined) {
        if (holding) failedInHold++;
        else failedWhileConnecting++;
      } else if (m.disconnected !== undefined) {
        if (holding) disconnectedInHold++;
        else disconnectedWhileConnecting++;
      } else if (m.error) errors++;
    });
    for (let p = 0; p < processes; p++) {
      const first = p * per;
      const count = Math.max(0, Math.min(per, n - first));
      if (count === 0) break;
      const child = fork(peersPath, [String(count), String(first), String(window), ...channel], {
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      peers.push(child);
      for (let id = first; id < first + count; id++) owner[id] = child;
      await started(child);
      child.on("message", (m: Message) => {
        if (m.offer) server.send(m);
        else if (m.connected !== undefined) {
          peersUp++;
          check();
        } else if (m.failed !== undefined) {
          neverConnected++;
          check();
        } else if (m.error) errors++;
      });
    }
    // Narrow owners first: the mux socket is the server's socket on the mux port.
    const owners = (): SocketOwner[] => [
      ...(muxPort === undefined
        ? [{ name: "server sockets", pid: server.pid! }]
        : [
            { name: `server mux socket :${muxPort}`, pid: server.pid!, ports: [muxPort] },
            { name: "server other sockets", pid: server.pid! },
          ]),
      ...peers.map((child, i) => ({ name: `peer process ${i + 1}`, pid: child.pid! })),
    ];
    const t0 = performance.now();
    const udpAtStart = udpCounters();
    const socketsAtStart = udpSockets();
    const all = new Promise<void>((resolve) => {
      done = resolve;
    });
    for (const child of peers) child.send({ start: true });
    // Bounded: at most 10 minutes to connect; what connected by then is reported.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, 600_000)))]);
    clearTimeout(timer);
    const connectMs = performance.now() - t0;
    const udpWhileConnecting = udpCountersSince(udpAtStart);
    const socketDropsWhileConnecting = dropsSince(socketsAtStart, owners());
    const connected = Math.min(serverUp, peersUp);
    const after = (await ask(server, { measure: true }, "memory")).memory as {
      heapUsed: number;
      rss: number;
    };
    await ask(server, { cpu: "start" }, "cpu");
    holding = true;
    const udpAtHold = udpCounters();
    const socketsAtHold = udpSockets();
    await new Promise((resolve) => setTimeout(resolve, holdMs));
    const udpInHold = udpCountersSince(udpAtHold);
    const socketDropsInHold = dropsSince(socketsAtHold, owners());
    const cpu = (await ask(server, { cpu: "stop" }, "cpu")).cpu as {
      ms: number;
      wallMs: number;
      lagP99Ms: number;
      lagMaxMs: number;
    };
    const serverCount = await ask(server, { count: true }, "count");
    const stillServer = Number(serverCount.count);
    let stillPeers = 0;
    const peerStates: Message[] = [];
    for (const child of peers) {
      const c = await ask(child, { count: true }, "count");
      stillPeers += Number(c.count);
      peerStates.push({ ...(c.states as Message), lagP99Ms: c.lagP99Ms, lagMaxMs: c.lagMaxMs });
    }
    process.stderr.write(
      `${mode}: connected server PCs that failed: ${failedWhileConnecting} while others connected, ${failedInHold} in the hold; disconnected episodes ${disconnectedWhileConnecting} while others connected, ${disconnectedInHold} in the hold; kernel UDP receive-buffer drops (host-wide) ${udpWhileConnecting?.rcvbufErrors ?? "?"} while connecting, ${udpInHold?.rcvbufErrors ?? "?"} in the hold; per socket (/proc/net/udp drops) while connecting: ${formatOwnerDrops(socketDropsWhileConnecting)}, ${unlisted(udpWhileConnecting, socketDropsWhileConnecting)}; in the hold: ${formatOwnerDrops(socketDropsInHold)}, ${unlisted(udpInHold, socketDropsInHold)}; states after the hold: server ${JSON.stringify(serverCount.states)} (event loop delay in the hold p99 ${cpu.lagP99Ms.toFixed(0)} ms, max ${cpu.lagMaxMs.toFixed(0)} ms), peers ${JSON.stringify(peerStates)}\n`,
    );
    const closed = (await ask(server, { close: true }, "closed", 300_000)).closed as {
      ms: number;
      mux?: Message;
    };
    await Promise.all(peers.map((child) => ask(child, { close: true }, "closed", 300_000)));
    return {
      n,
      connected,
      connectMs,
      heapKiB: (after.heapUsed - before.heapUsed) / 1024 / Math.max(1, connected),
      rssKiB: (after.rss - before.rss) / 1024 / Math.max(1, connected),
      holdCpuPercent: (100 * cpu.ms) / cpu.wallMs,
      stillServer,
      stillPeers,
      closeMs: closed.ms,
      neverConnected,
      failedWhileConnecting,
      failedInHold,
      disconnectedWhileConnecting,
      disconnectedInHold,
      udpWhileConnecting,
      udpInHold,
      socketDropsWhileConnecting,
      socketDropsInHold,
      mux: closed.mux,
      errors,
    };
  } finally {
    for (const child of [server, ...peers]) if (child.connected) child.disconnect();
    await Promise.all([server, ...peers].map((child) => stop(child)));
  }
}

const env = (name: string, fallback: number) => {
  const value = process.env[name];
  return value === undefined || value === "" ? fallback : Number(value);
};

export const suite: BenchSuite = {
  name: "mux",
  async run({ quick }) {
    const n = env("MUX_BENCH_N", quick ? 200 : 10_000);
    const holdMs = env("MUX_BENCH_HOLD_S", quick ? 5 : 60) * 1000;
    const processes = env("MUX_BENCH_PEER_PROCESSES", 2);
    const window = env("MUX_BENCH_WINDOW", 64);
    const refN = env("MUX_BENCH_REFERENCE_N", quick ? 200 : 5000);
    const lite = process.env.MUX_BENCH_LITE === "1";
    const ours = await scenario("mux", n, holdMs, processes, window, lite);
    process.stderr.write(`mux: ${JSON.stringify(ours)}\n`);
    const ref = refN > 0 ? await scenario("sockets", refN, holdMs, processes, window, lite) : undefined;
    if (ref) process.stderr.write(`one socket per PC: ${JSON.stringify(ref)}\n`);
    const refName = `one socket per PC, ${ref?.n ?? 0} PCs`;
    const row = (
      metric: string,
      unit: string,
      value: number,
      refValue: number | undefined,
      higherIsBetter: boolean,
    ): BenchRow => ({
      metric,
      unit,
      ours: value,
      ...(refValue === undefined ? {} : { reference: { name: refName, value: refValue } }),
      higherIsBetter,
    });
    const kind = lite ? "ICE-lite " : "";
    return [
      row(`${kind}PCs connected on one UDP port (of ${n})`, "PCs", ours.connected, ref?.connected, true),
      row("time to connect them all", "s", ours.connectMs / 1000, ref && ref.connectMs / 1000, false),
      row(
        "connect throughput",
        "PC/s",
        (1000 * ours.connected) / ours.connectMs,
        ref && (1000 * ref.connected) / ref.connectMs,
        true,
      ),
      row("heap per connection (server, after GC)", "KiB", ours.heapKiB, ref?.heapKiB, false),
      row("RSS per connection (server)", "KiB", ours.rssKiB, ref?.rssKiB, false),
      row(
        `CPU to hold them for ${holdMs / 1000} s (server)`,
        "% of a core",
        ours.holdCpuPercent,
        ref?.holdCpuPercent,
        false,
      ),
      row(
        `still connected after ${holdMs / 1000} s (server side)`,
        "PCs",
        ours.stillServer,
        ref?.stillServer,
        true,
      ),
      row(
        `still connected after ${holdMs / 1000} s (peer side)`,
        "PCs",
        ours.stillPeers,
        ref?.stillPeers,
        true,
      ),
      row("close them all (server)", "s", ours.closeMs / 1000, ref && ref.closeMs / 1000, false),
      row(
        "datagrams the mux dropped (no agent)",
        "datagrams",
        Number(ours.mux?.dropped ?? 0),
        undefined,
        false,
      ),
      row("never connected (failed during connect)", "PCs", ours.neverConnected, ref?.neverConnected, false),
      row(
        "connected, then failed while others connected",
        "PCs",
        ours.failedWhileConnecting,
        ref?.failedWhileConnecting,
        false,
      ),
      row(
        `connected, then failed in the ${holdMs / 1000} s hold`,
        "PCs",
        ours.failedInHold,
        ref?.failedInHold,
        false,
      ),
      row(
        "disconnected episodes while others connected (server side)",
        "count",
        ours.disconnectedWhileConnecting,
        ref?.disconnectedWhileConnecting,
        false,
      ),
      row(
        `disconnected episodes in the ${holdMs / 1000} s hold (server side)`,
        "count",
        ours.disconnectedInHold,
        ref?.disconnectedInHold,
        false,
      ),
      row(
        "kernel UDP receive-buffer drops while connecting (host-wide)",
        "datagrams",
        ours.udpWhileConnecting?.rcvbufErrors ?? Number.NaN,
        ref?.udpWhileConnecting?.rcvbufErrors,
        false,
      ),
      row(
        `kernel UDP receive-buffer drops in the ${holdMs / 1000} s hold (host-wide)`,
        "datagrams",
        ours.udpInHold?.rcvbufErrors ?? Number.NaN,
        ref?.udpInHold?.rcvbufErrors,
        false,
      ),
      row(
        "kernel drops on the server's socket(s) while connecting (/proc/net/udp)",
        "datagrams",
        dropsOf(ours.socketDropsWhileConnecting, "server"),
        ref && dropsOf(ref.socketDropsWhileConnecting, "server"),
        false,
      ),
      row(
        `kernel drops on the server's socket(s) in the ${holdMs / 1000} s hold`,
        "datagrams",
        dropsOf(ours.socketDropsInHold, "server"),
        ref && dropsOf(ref.socketDropsInHold, "server"),
        false,
      ),
      row(
        "kernel drops on the peers' sockets while connecting",
        "datagrams",
        dropsOf(ours.socketDropsWhileConnecting, "peer"),
        ref && dropsOf(ref.socketDropsWhileConnecting, "peer"),
        false,
      ),
      row(
        `kernel drops on the peers' sockets in the ${holdMs / 1000} s hold`,
        "datagrams",
        dropsOf(ours.socketDropsInHold, "peer"),
        ref && dropsOf(ref.socketDropsInHold, "peer"),
        false,
      ),
      row(
        "kernel drops on other processes' sockets while connecting",
        "datagrams",
        dropsOf(ours.socketDropsWhileConnecting, ELSEWHERE),
        ref && dropsOf(ref.socketDropsWhileConnecting, ELSEWHERE),
        false,
      ),
      row(
        `kernel drops on other processes' sockets in the ${holdMs / 1000} s hold`,
        "datagrams",
        dropsOf(ours.socketDropsInHold, ELSEWHERE),
        ref && dropsOf(ref.socketDropsInHold, ELSEWHERE),
        false,
      ),
      row("signalling/operation errors", "errors", ours.errors, ref?.errors, false),
    ];
  },
};
