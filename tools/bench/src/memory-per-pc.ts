import "reflect-metadata";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeHeapSnapshot } from "node:v8";
import { UdpMux } from "@purertc/ice";
import { PeerConnection } from "@purertc/peerconnection";
import { diffSnapshots, formatDiff } from "./heap-snapshot.js";

/**
 * What a connected, idle PeerConnection keeps: N pairs connected over
 * loopback in this one process (each PC with a socket of its own), with or
 * without a data channel open, then GC and `process.memoryUsage()` per
 * connected PC (2N PCs), beside the same process before. With `--mux`, the
 * answering side is server mode: all its PCs on one UdpMux port. With `--snapshot`,
 * heap snapshots before and after, diffed by constructor with a retainer
 * path for the biggest groups.
 *
 * Usage (needs --expose-gc): node --expose-gc tools/bench/dist/memory-per-pc.js
 *   [--n 200] [--channel] [--mux] [--snapshot] [--json]
 * Bounded: pairs connect 16 at a time, each within 20 s.
 */

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const n = arg("--n", 200);
const channel = args.includes("--channel");
const snapshot = args.includes("--snapshot");
const json = args.includes("--json");
const mux = args.includes("--mux") ? await UdpMux.open({ address: "127.0.0.1" }) : undefined;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    gc!();
    await new Promise((r) => setImmediate(r));
  }
}

function once(target: EventTarget, type: string, ms: number, ok?: () => boolean): Promise<Event | undefined> {
  if (ok?.()) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      target.removeEventListener(type, on);
      reject(new Error(`no ${type} within ${ms} ms`));
    }, ms);
    const on = (e: Event) => {
      if (ok && !ok()) return;
      clearTimeout(timer);
      target.removeEventListener(type, on);
      resolve(e);
    };
    target.addEventListener(type, on);
  });
}

async function connectPair(pcs: PeerConnection[]): Promise<void> {
  const a = new PeerConnection({ interfaces: "loopback" });
  const b = new PeerConnection(mux ? { udpMux: mux } : { interfaces: "loopback" });
  pcs.push(a, b);
  const connected = (pc: PeerConnection) =>
    once(pc, "connectionstatechange", 20_000, () => pc.connectionState === "connected");
  const incoming = channel ? once(b, "datachannel", 20_000) : undefined;
  const dc = channel ? a.createDataChannel("idle") : undefined;
  const opened = dc
    ? once(dc as unknown as EventTarget, "open", 20_000, () => dc.readyState === "open")
    : undefined;
  a.addEventListener("icecandidate", (e) => void b.addIceCandidate(e.candidate).catch(() => {}));
  b.addEventListener("icecandidate", (e) => void a.addIceCandidate(e.candidate).catch(() => {}));
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription!);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription!);
  await Promise.all([connected(a), connected(b), incoming, opened]);
}

const dir = snapshot ? mkdtempSync(join(tmpdir(), "purertc-mem-")) : "";
// Warm-up: one pair connected and closed, so that lazily built module state
// (tables, pools, compiled code) is in the "before" side.
{
  const warm: PeerConnection[] = [];
  await connectPair(warm);
  await Promise.all(warm.map((pc) => pc.close()));
}
await settle();
const before = process.memoryUsage();
const beforeFile = snapshot ? writeHeapSnapshot(join(dir, "before.heapsnapshot")) : "";
const pcs: PeerConnection[] = [];
const t0 = performance.now();
for (let i = 0; i < n; i += 16) {
  const batch: Promise<void>[] = [];
  for (let j = i; j < Math.min(n, i + 16); j++) batch.push(connectPair(pcs));
  await Promise.all(batch);
}
const connectMs = performance.now() - t0;
// Past DTLS's last-flight hold and any handshake-time timers.
await new Promise((r) => setTimeout(r, 2000));
await settle();
const after = process.memoryUsage();
const per = (k: keyof NodeJS.MemoryUsage) => (after[k] - before[k]) / pcs.length / 1024;
const result = {
  pairs: n,
  mux: mux !== undefined,
  pcs: pcs.length,
  channel,
  connectMs: Math.round(connectMs),
  heapKiBPerPC: +per("heapUsed").toFixed(2),
  externalKiBPerPC: +per("external").toFixed(2),
  arrayBuffersKiBPerPC: +per("arrayBuffers").toFixed(2),
  rssKiBPerPC: +per("rss").toFixed(2),
  connected: pcs.filter((pc) => pc.connectionState === "connected").length,
};
if (snapshot) {
  const afterFile = writeHeapSnapshot(join(dir, "after.heapsnapshot"));
  const diff = diffSnapshots(beforeFile, afterFile, pcs.length);
  if (!json) process.stdout.write(formatDiff(diff, pcs.length));
  Object.assign(result, json ? { snapshots: dir, top: diff } : { snapshots: dir });
}
await Promise.all(pcs.map((pc) => pc.close()));
await mux?.close();
process.stdout.write(json ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 1)}\n`);
