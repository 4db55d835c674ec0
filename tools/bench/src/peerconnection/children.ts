import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/*
 * The peerconnection suite's child processes: a stack's pairs in a fresh process for memory per
 * pair, and how long a process lives on after closing a pair mid-handshake.
 */

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

/**
 * Child scripts that connect a pair and close both the moment ICE is
 * connected (the DTLS handshake is under way), then print "closed". The
 * parent measures how long the process lives on after that line.
 */
export const EXIT_SCRIPTS = {
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
export const PAIR_FUNCTIONS = {
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
export const MEMORY_MAIN = `
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

export function memoryPerPair(
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
export function exitAfterClose(script: string, capMs: number): Promise<number> {
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
