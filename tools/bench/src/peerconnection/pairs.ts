import { readdirSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { PeerConnection } from "@purertc/peerconnection";
import type { RTCPeerConnection as WeriftPeerConnection } from "werift";
import { negotiateWeriftLoopback, weriftLoopbackPeer } from "../werift-loopback.js";

/*
 * The peerconnection suite's in-process pairs: purertc and werift PeerConnections connected on
 * loopback (werift kept on 127.0.0.1, TOOLCHAIN.md), timed, churned, and what is left after GC.
 */

export interface Pair {
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

/** The Pair of two peers just connected (timed from `start`); `exchange` passes one message a → b. */
function timedPair(
  start: number,
  a: { close(): Promise<unknown> },
  b: { close(): Promise<unknown> },
  exchange: () => Promise<void>,
): Pair {
  return {
    connectMs: performance.now() - start,
    refs: [new WeakRef(a), new WeakRef(b)],
    close: async () => {
      await a.close();
      await b.close();
    },
    exchange,
  };
}

export async function ourPair(): Promise<Pair> {
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
  return timedPair(
    start,
    a,
    b,
    () =>
      new Promise<void>((resolve) => {
        b.addEventListener("datagram", () => resolve(), { once: true });
        a.sendDatagram("ping");
      }),
  );
}

export async function weriftPair(): Promise<Pair> {
  const start = performance.now();
  const a = weriftLoopbackPeer();
  const b = weriftLoopbackPeer();
  const on = (pc: WeriftPeerConnection) => (fn: () => void) =>
    pc.connectionStateChange.subscribe(fn).unSubscribe;
  const both = Promise.all([connected(a, on(a)), connected(b, on(b))]);
  const channel = a.createDataChannel("bench");
  await negotiateWeriftLoopback(a, b);
  await both;
  return timedPair(
    start,
    a,
    b,
    () =>
      new Promise<void>((resolve) => {
        b.onDataChannel.subscribe((dc) => dc.onMessage.subscribe(() => resolve()));
        const send = () => channel.send("ping");
        if (channel.readyState === "open") send();
        else channel.stateChanged.subscribe((s) => s === "open" && send());
      }),
  );
}

export async function connectSamples(
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

export interface ChurnResult {
  perSecond: number;
  fds: number;
  handles: number;
  heapKiB: number;
  /** Connection objects of closed pairs still reachable after GC. */
  alive: number;
}

/** create → connect → exchange one message → close, sequentially, then what is left after GC. */
export async function churn(make: () => Promise<Pair>, cycles: number): Promise<ChurnResult> {
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
