import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { PeerConnection } from "@purertc/peerconnection";
import { SocketRegistry } from "@purertc/socket";
import { RTCPeerConnection as WeriftPeerConnection } from "werift";
import { type BenchRow, type BenchSuite, percentiles } from "../harness.js";

/**
 * PeerConnection Node ↔ Node on loopback, purertc beside werift's
 * RTCPeerConnection doing the same in the same run: time from create to both
 * `connected` (ICE + DTLS), time to close a connected pair, churn cycles per
 * second with what is left after GC, and heap and RSS per idle connected
 * pair. werift is kept on 127.0.0.1: its public STUN server is cleared and
 * only loopback pairs are allowed (TOOLCHAIN.md).
 */

interface Pair {
  connectMs: number;
  /** The two connection objects, held weakly (to see that closed ones are collected). */
  refs: WeakRef<object>[];
  close(): Promise<void>;
  exchange(): Promise<void>;
}

function connected(
  pc: { connectionState: string },
  subscribe: (fn: () => void) => () => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (pc.connectionState === "connected") return resolve();
    let unsubscribe: () => void = () => {};
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`not connected within 10 s (${pc.connectionState})`));
    }, 10_000);
    unsubscribe = subscribe(() => {
      if (pc.connectionState === "connected") {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      } else if (pc.connectionState === "failed" || pc.connectionState === "closed") {
        clearTimeout(timer);
        unsubscribe();
        reject(new Error(`connection ${pc.connectionState}`));
      }
    });
  });
}

async function ourPair(): Promise<Pair> {
  const start = performance.now();
  const a = new PeerConnection({ interfaces: "loopback" });
  const b = new PeerConnection({ interfaces: "loopback" });
  a.onicecandidate = (e) => void b.addIceCandidate(e.candidate).catch(() => {});
  b.onicecandidate = (e) => void a.addIceCandidate(e.candidate).catch(() => {});
  const on = (pc: PeerConnection) => (fn: () => void) => {
    pc.addEventListener("connectionstatechange", fn);
    return () => pc.removeEventListener("connectionstatechange", fn);
  };
  const both = Promise.all([connected(a, on(a)), connected(b, on(b))]);
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription!);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription!);
  await both;
  const connectMs = performance.now() - start;
  return {
    connectMs,
    refs: [new WeakRef(a), new WeakRef(b)],
    close: async () => {
      await a.close();
      await b.close();
    },
    exchange: () =>
      new Promise<void>((resolve) => {
        b.addEventListener("datagram", () => resolve(), { once: true });
        a.sendDatagram("ping");
      }),
  };
}

function weriftPeer(): WeriftPeerConnection {
  return new WeriftPeerConnection({
    iceServers: [],
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ["127.0.0.1"],
    // Only loopback pairs: no check ever leaves 127.0.0.1.
    iceFilterCandidatePair: (pair) =>
      pair.remoteCandidate.host === "127.0.0.1" && pair.protocol.localCandidate?.host === "127.0.0.1",
  });
}

/** werift asks a public STUN server unless its ICE connections' stunServer is cleared (TOOLCHAIN.md). */
function keepOnLoopback(pc: WeriftPeerConnection): void {
  const transports = (pc as unknown as { iceTransports: { connection: { stunServer: unknown } }[] })
    .iceTransports;
  for (const t of transports) t.connection.stunServer = undefined;
}

async function weriftPair(): Promise<Pair> {
  const start = performance.now();
  const a = weriftPeer();
  const b = weriftPeer();
  const loopback = (c: { candidate?: string } | undefined) =>
    !c?.candidate || c.candidate.includes(" 127.0.0.1 ");
  a.onicecandidate = (e) => {
    if (loopback(e.candidate ?? undefined)) void b.addIceCandidate(e.candidate ?? undefined).catch(() => {});
  };
  b.onicecandidate = (e) => {
    if (loopback(e.candidate ?? undefined)) void a.addIceCandidate(e.candidate ?? undefined).catch(() => {});
  };
  const on = (pc: WeriftPeerConnection) => (fn: () => void) =>
    pc.connectionStateChange.subscribe(fn).unSubscribe;
  const both = Promise.all([connected(a, on(a)), connected(b, on(b))]);
  const channel = a.createDataChannel("bench");
  const offer = await a.createOffer();
  keepOnLoopback(a);
  await a.setLocalDescription(offer);
  await b.setRemoteDescription(a.localDescription!);
  const answer = await b.createAnswer();
  keepOnLoopback(b);
  await b.setLocalDescription(answer);
  await a.setRemoteDescription(b.localDescription!);
  await both;
  const connectMs = performance.now() - start;
  return {
    connectMs,
    refs: [new WeakRef(a), new WeakRef(b)],
    close: async () => {
      await a.close();
      await b.close();
    },
    exchange: () =>
      new Promise<void>((resolve) => {
        b.onDataChannel.subscribe((dc) => dc.onMessage.subscribe(() => resolve()));
        const send = () => channel.send("ping");
        if (channel.readyState === "open") send();
        else channel.stateChanged.subscribe((s) => s === "open" && send());
      }),
  };
}

async function connectSamples(
  make: () => Promise<Pair>,
  n: number,
): Promise<{ connect: number[]; close: number[] }> {
  const connect: number[] = [];
  const close: number[] = [];
  for (let i = 0; i < n; i++) {
    const pair = await make();
    connect.push(pair.connectMs);
    const t = performance.now();
    await pair.close();
    close.push(performance.now() - t);
  }
  return { connect, close };
}

/** A real gc() even without --expose-gc (npm run bench runs plain node): memory figures need it. */
const gc: () => void = (() => {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();

async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
}

function openFds(): number {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return 0;
  }
}

interface ChurnResult {
  perSecond: number;
  fds: number;
  handles: number;
  heapKiB: number;
  /** Connection objects of closed pairs still reachable after GC. */
  alive: number;
}

/** create → connect → exchange one message → close, sequentially, then what is left after GC. */
async function churn(make: () => Promise<Pair>, cycles: number): Promise<ChurnResult> {
  await settle();
  const fds = openFds();
  const handles = process.getActiveResourcesInfo().length;
  const heap = process.memoryUsage().heapUsed;
  const start = performance.now();
  const refs: WeakRef<object>[] = [];
  for (let i = 0; i < cycles; i++) await churnCycle(make, refs);
  const perSecond = (cycles * 1000) / (performance.now() - start);
  await settle();
  await new Promise((r) => setTimeout(r, 200));
  await settle();
  return {
    perSecond,
    fds: openFds() - fds,
    handles: process.getActiveResourcesInfo().length - handles,
    heapKiB: (process.memoryUsage().heapUsed - heap) / 1024,
    alive: refs.filter((r) => r.deref() !== undefined).length,
  };
}

/** One cycle in its own frame, so no local of the loop keeps the last pair reachable. */
async function churnCycle(make: () => Promise<Pair>, refs: WeakRef<object>[]): Promise<void> {
  const pair = await make();
  refs.push(...pair.refs);
  await pair.exchange();
  await pair.close();
}

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

/**
 * Child scripts that connect a pair and close both the moment ICE is
 * connected (the DTLS handshake is under way), then print "closed". The
 * parent measures how long the process lives on after that line.
 */
const EXIT_SCRIPTS = {
  ours: `
import { PeerConnection } from "@purertc/peerconnection";
const a = new PeerConnection({ interfaces: "loopback" });
const b = new PeerConnection({ interfaces: "loopback" });
a.onicecandidate = (e) => void b.addIceCandidate(e.candidate).catch(() => {});
b.onicecandidate = (e) => void a.addIceCandidate(e.candidate).catch(() => {});
const ice = new Promise((r) => a.addEventListener("iceconnectionstatechange", () => a.iceConnectionState === "connected" && r()));
await a.setLocalDescription(await a.createOffer());
await b.setRemoteDescription(a.localDescription);
await b.setLocalDescription(await b.createAnswer());
await a.setRemoteDescription(b.localDescription);
await ice;
console.log("dtls", a.dtlsState);
await a.close();
await b.close();
console.log("closed");
`,
  werift: `
import { RTCPeerConnection } from "werift";
const make = () => new RTCPeerConnection({ iceServers: [], iceUseIpv6: false, iceAdditionalHostAddresses: ["127.0.0.1"],
  iceFilterCandidatePair: (p) => p.remoteCandidate.host === "127.0.0.1" && p.protocol.localCandidate?.host === "127.0.0.1" });
const loopback = (pc) => { for (const t of pc.iceTransports) t.connection.stunServer = undefined; };
const a = make();
const b = make();
const ok = (c) => !c?.candidate || c.candidate.includes(" 127.0.0.1 ");
a.onicecandidate = (e) => ok(e.candidate) && void b.addIceCandidate(e.candidate ?? undefined).catch(() => {});
b.onicecandidate = (e) => ok(e.candidate) && void a.addIceCandidate(e.candidate ?? undefined).catch(() => {});
const ice = new Promise((r) => a.iceConnectionStateChange.subscribe((s) => s === "connected" && r()));
a.createDataChannel("x");
const offer = await a.createOffer(); loopback(a); await a.setLocalDescription(offer);
await b.setRemoteDescription(a.localDescription);
const answer = await b.createAnswer(); loopback(b); await b.setLocalDescription(answer);
await a.setRemoteDescription(b.localDescription);
await ice;
console.log("dtls", a.connectionState);
await a.close();
await b.close();
console.log("closed");
`,
};

/** A connected pair in a child script, for each stack (the same loopback setup as above). */
const PAIR_FUNCTIONS = {
  ours: `
import { PeerConnection } from "@purertc/peerconnection";
async function pair() {
  const a = new PeerConnection({ interfaces: "loopback" });
  const b = new PeerConnection({ interfaces: "loopback" });
  a.onicecandidate = (e) => void b.addIceCandidate(e.candidate).catch(() => {});
  b.onicecandidate = (e) => void a.addIceCandidate(e.candidate).catch(() => {});
  const up = (pc) => new Promise((r) => pc.addEventListener("connectionstatechange", () => pc.connectionState === "connected" && r()));
  const both = Promise.all([up(a), up(b)]);
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription);
  await both;
  return async () => { await a.close(); await b.close(); };
}
`,
  werift: `
import { RTCPeerConnection } from "werift";
const make = () => new RTCPeerConnection({ iceServers: [], iceUseIpv6: false, iceAdditionalHostAddresses: ["127.0.0.1"],
  iceFilterCandidatePair: (p) => p.remoteCandidate.host === "127.0.0.1" && p.protocol.localCandidate?.host === "127.0.0.1" });
const loopback = (pc) => { for (const t of pc.iceTransports) t.connection.stunServer = undefined; };
async function pair() {
  const a = make();
  const b = make();
  const ok = (c) => !c?.candidate || c.candidate.includes(" 127.0.0.1 ");
  a.onicecandidate = (e) => ok(e.candidate) && void b.addIceCandidate(e.candidate ?? undefined).catch(() => {});
  b.onicecandidate = (e) => ok(e.candidate) && void a.addIceCandidate(e.candidate ?? undefined).catch(() => {});
  const up = (pc) => new Promise((r) => pc.connectionStateChange.subscribe((s) => s === "connected" && r()));
  const both = Promise.all([up(a), up(b)]);
  a.createDataChannel("x");
  const offer = await a.createOffer(); loopback(a); await a.setLocalDescription(offer);
  await b.setRemoteDescription(a.localDescription);
  const answer = await b.createAnswer(); loopback(b); await b.setLocalDescription(answer);
  await a.setRemoteDescription(b.localDescription);
  await both;
  return async () => { await a.close(); await b.close(); };
}
`,
};

/** Holds `count` idle connected pairs in a fresh process and prints heap and RSS growth per pair after GC. */
const MEMORY_MAIN = `
const count = Number(process.argv[1]);
const settle = async () => { for (let i = 0; i < 4; i++) { gc(); await new Promise((r) => setTimeout(r, 25)); } };
for (let i = 0; i < 3; i++) await (await pair())();
await settle();
const before = process.memoryUsage();
const closers = [];
for (let i = 0; i < count; i++) closers.push(await pair());
await new Promise((r) => setTimeout(r, 300));
await settle();
const after = process.memoryUsage();
console.log(JSON.stringify({ heapKiB: (after.heapUsed - before.heapUsed) / 1024 / count, rssKiB: (after.rss - before.rss) / 1024 / count }));
for (const close of closers) await close();
`;

function memoryPerPair(
  stack: "ours" | "werift",
  count: number,
): Promise<{ heapKiB: number; rssKiB: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--expose-gc", "--input-type=module", "-e", PAIR_FUNCTIONS[stack] + MEMORY_MAIN, String(count)],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    // werift's process lingers after its closes (see the exit row): take the figure, then end it.
    const killer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (!line) return;
      clearTimeout(killer);
      child.kill("SIGKILL");
      resolve(JSON.parse(line) as { heapKiB: number; rssKiB: number });
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("exit", () => {
      clearTimeout(killer);
      if (!out.includes("{")) reject(new Error(`memory child (${stack}) failed: ${err.slice(0, 500)}`));
    });
  });
}

/** Milliseconds the child lives on after printing "closed" (capped at `capMs`, then killed by PID). */
function exitAfterClose(script: string, capMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    let closedAt: number | undefined;
    // Bound on reaching "closed" at all, then on exiting after it.
    let killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (closedAt !== undefined || !out.includes("closed\n")) return;
      closedAt = performance.now();
      clearTimeout(killer);
      killer = setTimeout(() => child.kill("SIGKILL"), capMs);
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("exit", () => {
      clearTimeout(killer);
      if (closedAt === undefined) reject(new Error(`child never closed: ${out} ${err.slice(0, 500)}`));
      else resolve(Math.min(performance.now() - closedAt, capMs));
    });
  });
}

export const suite: BenchSuite = {
  name: "peerconnection",
  async run({ quick }) {
    const n = quick ? 20 : 100;
    const cycles = quick ? 100 : 1000;
    const held = quick ? 10 : 50;
    // Warm-up both stacks (JIT, certificate code paths).
    await connectSamples(ourPair, 5);
    await connectSamples(weriftPair, 3);

    const ours = await connectSamples(ourPair, n);
    const theirs = await connectSamples(weriftPair, Math.min(n, quick ? 20 : 50));
    const oc = percentiles(ours.connect);
    const wc = percentiles(theirs.connect);
    const ocl = percentiles(ours.close);
    const wcl = percentiles(theirs.close);

    const ourChurn = await churn(ourPair, cycles);
    const weriftChurn = await churn(weriftPair, Math.min(cycles, quick ? 50 : 200));
    const ourMemory = await memoryPerPair("ours", held);
    const weriftMemory = await memoryPerPair("werift", held);
    const left = SocketRegistry.default.size;
    const exitRuns = quick ? 1 : 3;
    const ourExit: number[] = [];
    for (let i = 0; i < exitRuns; i++) ourExit.push(await exitAfterClose(EXIT_SCRIPTS.ours, 60_000));
    const weriftExit = await exitAfterClose(EXIT_SCRIPTS.werift, 60_000);

    const rows: BenchRow[] = [
      {
        metric: "create → connected (ICE + DTLS), median",
        unit: "ms",
        ours: oc.median,
        werift: wc.median,
        higherIsBetter: false,
      },
      {
        metric: "create → connected (ICE + DTLS), p99",
        unit: "ms",
        ours: oc.p99,
        werift: wc.p99,
        higherIsBetter: false,
      },
      {
        metric: "close a connected pair, median",
        unit: "ms",
        ours: ocl.median,
        werift: wcl.median,
        higherIsBetter: false,
      },
      {
        metric: `churn create→connect→exchange→close (${cycles} / werift ${Math.min(cycles, quick ? 50 : 200)})`,
        unit: "cycles/s",
        ours: ourChurn.perSecond,
        werift: weriftChurn.perSecond,
        higherIsBetter: true,
      },
      {
        metric: "after churn + GC: open fds vs before",
        unit: "fds",
        ours: ourChurn.fds,
        werift: weriftChurn.fds,
        higherIsBetter: false,
      },
      {
        metric: "after churn + GC: active handles/timers vs before",
        unit: "handles",
        ours: ourChurn.handles,
        werift: weriftChurn.handles,
        higherIsBetter: false,
      },
      {
        metric: "after churn + GC: closed PeerConnections not collected",
        unit: "objects",
        ours: ourChurn.alive,
        werift: weriftChurn.alive,
        higherIsBetter: false,
      },
      {
        metric: "after churn + GC: heap growth",
        unit: "KiB",
        ours: ourChurn.heapKiB,
        werift: weriftChurn.heapKiB,
        higherIsBetter: false,
      },
      {
        metric: `heap per idle connected pair (${held} held, fresh process)`,
        unit: "KiB",
        ours: ourMemory.heapKiB,
        werift: weriftMemory.heapKiB,
        higherIsBetter: false,
      },
      {
        metric: `RSS per idle connected pair (${held} held, fresh process)`,
        unit: "KiB",
        ours: ourMemory.rssKiB,
        werift: weriftMemory.rssKiB,
        higherIsBetter: false,
      },
      { metric: "registry sockets left at the end", unit: "sockets", ours: left, higherIsBetter: false },
      {
        metric: "process alive after closing mid-DTLS-handshake (cap 60 s)",
        unit: "ms",
        ours: percentiles(ourExit).median,
        werift: weriftExit,
        higherIsBetter: false,
      },
    ];
    return rows;
  },
};
