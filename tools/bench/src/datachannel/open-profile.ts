import "reflect-metadata";
import { PeerConnection } from "@purertc/peerconnection";

type Config = ConstructorParameters<typeof PeerConnection>[0];

/**
 * create → first data channel `open` between two in-process PeerConnections
 * (loopback, trickled candidates), variants alternating one open at a time so
 * both see the same heap, JIT and machine load; prints per variant the median
 * wall ms and the median process CPU ms per open (`process.cpuUsage()`: on a
 * shared machine the CPU figure is the steadier one), and with `timeline` the
 * median time from create at which each step happened.
 *
 * Usage: node dist/datachannel/open-profile.js [count=200] [variant…] [timeline]
 * (variants: default, x25519, 1.2, shared-cert; default: default and x25519).
 * Environment: WARMUP=n opens first (10); PROFILE=file.cpuprofile writes a CPU profile of
 * the measured opens only (not start-up or warm-up, which `--cpu-prof` would include);
 * GAP_MS=n pauses n ms between opens (the event loop idle, as a server between connections).
 * Not a benchmark (`npm run bench -- datachannel` is): a tool for finding where the time goes.
 */

/** One certificate for every connection of the `shared-cert` variant (the default makes one per connection). */
const shared = await PeerConnection.generateCertificate();

const VARIANTS: Record<string, Config> = {
  default: {},
  x25519: { dtlsGroups: ["x25519"] },
  "1.2": { dtlsVersions: ["1.2"] },
  "shared-cert": { certificates: [shared] },
};

const args = process.argv.slice(2);
const timeline = args.includes("timeline");
const rest = args.filter((a) => a !== "timeline");
const count = Math.min(Number(rest[0] ?? 200), 10_000);
const names = rest.length > 1 ? rest.slice(1) : ["default", "x25519"];
for (const n of names) if (!VARIANTS[n]) throw new Error(`unknown variant ${n}`);

type Marks = Map<string, number>;
const WARMUP = Number(process.env.WARMUP ?? 10);
const PROFILE = process.env.PROFILE;
const GAP_MS = Number(process.env.GAP_MS ?? 0);

/** Starts a CPU profile (50 µs sampling) of what follows; the returned function writes it to `file`. */
async function startProfile(file: string): Promise<() => Promise<void>> {
  const { Session } = await import("node:inspector");
  const { writeFileSync } = await import("node:fs");
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))),
    );
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 50 });
  await post("Profiler.start");
  return async () => {
    const { profile } = (await post("Profiler.stop")) as { profile: unknown };
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

async function once(name: string, marks: Marks): Promise<[number, number, number]> {
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const start = performance.now();
  const mark = (what: string) => {
    if (!marks.has(what)) marks.set(what, performance.now() - start);
  };
  const config = { interfaces: "loopback", ...VARIANTS[name] } as Config;
  const a = new PeerConnection(config);
  const b = new PeerConnection(config);
  for (const [pc, side] of [
    [a, "offerer"],
    [b, "answerer"],
  ] as const) {
    pc.addEventListener("icecandidate", (e) => {
      mark(`${side} candidate`);
      const c = (e as unknown as { candidate: unknown }).candidate;
      if (c) void (pc === a ? b : a).addIceCandidate(c as never).catch(() => {});
    });
    pc.addEventListener("iceconnectionstatechange", () => mark(`${side} ice ${pc.iceConnectionState}`));
    pc.addEventListener("connectionstatechange", () => mark(`${side} pc ${pc.connectionState}`));
  }
  const channel = a.createDataChannel("bench");
  const opened = new Promise<void>((resolve) => channel.addEventListener("open", () => resolve()));
  b.addEventListener("datachannel", () => mark("answerer datachannel"));
  const offer = await a.createOffer();
  mark("offer created");
  await a.setLocalDescription(offer);
  mark("offer set local");
  await b.setRemoteDescription(a.localDescription as never);
  mark("offer set remote");
  const answer = await b.createAnswer();
  await b.setLocalDescription(answer);
  mark("answer set local");
  await a.setRemoteDescription(b.localDescription as never);
  mark("answer set remote");
  await opened;
  mark("open");
  const wall = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  const idle = performance.eventLoopUtilization(elu0).idle;
  a.close();
  b.close();
  return [wall, (cpu.user + cpu.system) / 1000, idle];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

const results = new Map(
  names.map((n) => [
    n,
    { wall: [] as number[], cpu: [] as number[], idle: [] as number[], marks: [] as Marks[] },
  ]),
);
let stopProfile: (() => Promise<void>) | undefined;
for (let i = 0; i < count + WARMUP; i++) {
  if (i === WARMUP && PROFILE) stopProfile = await startProfile(PROFILE);
  for (const n of names) {
    const marks: Marks = new Map();
    const [wall, cpu, idle] = await once(n, marks);
    // A turn for the closes to finish, outside the measured open (GAP_MS: an idle pause instead).
    await new Promise((resolve) => (GAP_MS > 0 ? setTimeout(resolve, GAP_MS) : setImmediate(resolve)));
    if (i < WARMUP) continue; // warm-up
    const r = results.get(n)!;
    r.wall.push(wall);
    r.cpu.push(cpu);
    r.idle.push(idle);
    r.marks.push(marks);
  }
}
await stopProfile?.();
for (const [n, r] of results) {
  console.log(
    `${n.padEnd(8)} wall ${median(r.wall).toFixed(2)} ms   cpu ${median(r.cpu).toFixed(2)} ms   event loop idle ${median(r.idle).toFixed(2)} ms   (n=${r.wall.length})`,
  );
  if (!timeline) continue;
  const keys = new Set(r.marks.flatMap((m) => [...m.keys()]));
  const rows = [...keys].map(
    (k) => [k, median(r.marks.map((m) => m.get(k) ?? Number.NaN).filter((x) => !Number.isNaN(x)))] as const,
  );
  rows.sort((x, y) => x[1] - y[1]);
  for (const [k, t] of rows) console.log(`    ${t.toFixed(2).padStart(7)}  ${k}`);
}
process.exit(0);
