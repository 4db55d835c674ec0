import "reflect-metadata";
import { percentiles } from "../harness.js";
import type { ChannelPair, RawDatagrams } from "./pair.js";
import { cleanupStack, pairMaker, type StackName } from "./stacks.js";
import {
  MiB,
  timedOpen as openOnce,
  pairWithRetries,
  type Rate,
  rate,
  sum,
  type Tally,
  transferTally,
  withTimeout,
} from "./transfer.js";

/**
 * One stack's data-channel figures, in a process of its own (run by
 * suites/datachannel.ts): `node worker.js <stack> [quick]` prints one JSON
 * line. Both peers live in this process, over loopback UDP.
 */

const stack = process.argv[2] as StackName;
const quick = process.argv[3] === "quick";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const immediate = () => new Promise((resolve) => setImmediate(resolve));

/** Sends `total` bytes in `messageSize` messages with backpressure (see transferTally): the rate. */
async function transfer(
  pair: ChannelPair,
  messageSize: number,
  total: number,
  maxMs = 30_000,
): Promise<Rate> {
  return rate(await transferTally(pair, messageSize, total, maxMs, stack));
}

async function latency(pair: ChannelPair, samples: number): Promise<number[]> {
  const out: number[] = [];
  let sentAt = 0;
  let arrived: (() => void) | undefined;
  const unMessage = pair.onMessage(() => {
    out.push(performance.now() - sentAt);
    arrived?.();
  });
  for (let i = 0; i < samples; i++) {
    await sleep(2); // idle channel: nothing queued, delayed SACKs settled
    const got = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    sentAt = performance.now();
    pair.send("x");
    await withTimeout(got, 5000, `${stack}: a small message`);
  }
  unMessage();
  return out;
}

/**
 * Raw DTLS for `ms` between the channel's own two peers (see RawDatagrams):
 * records of the channel's SCTP packet size sent one way, 32 per turn of the
 * event loop (the receiver reads in between: nothing is lost on loopback),
 * counted at the receiver.
 */
async function rawTally(raw: RawDatagrams, ms: number): Promise<Tally> {
  let received = 0;
  const unReceive = raw.onReceive((n) => {
    received += n;
  });
  const data = new Uint8Array(raw.recordSize()).fill(0x61); // 0x6161…: not an SCTP common header from port 5000
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  while (performance.now() - start < ms) {
    for (let i = 0; i < 32; i++) raw.send(data);
    await immediate();
  }
  await immediate();
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  unReceive();
  if (received === 0) throw new Error(`${stack}: no raw datagram arrived`);
  return { bytes: received, wallMs, cpuUs: cpu.user + cpu.system };
}

/**
 * The bulk row, and for purertc the raw DTLS row beside it, interleaved on one
 * pair: `rounds` channel transfers of `total / rounds`, each followed by raw
 * DTLS for as long as that transfer took, so both see the same sockets,
 * connection, record size, duration and moments of a shared machine's load.
 */
async function bulkRounds(
  pair: ChannelPair,
  total: number,
  rounds: number,
): Promise<{ channel: Rate; raw: Rate | undefined }> {
  let channel: Tally = { bytes: 0, wallMs: 0, cpuUs: 0 };
  let raw: Tally | undefined;
  for (let i = 0; i < rounds; i++) {
    const t = await transferTally(pair, 64 * 1024, total / rounds, 30_000, stack);
    channel = sum(channel, t);
    if (pair.raw) {
      const r = await rawTally(pair.raw, t.wallMs);
      raw = raw ? sum(raw, r) : r;
    }
  }
  return { channel: rate(channel), raw: raw && rate(raw) };
}

/** Opens before the measured ones, warming the JIT of every stack alike. */
const OPEN_WARM_UP = 20;
/** Opens before the steady-state ones (all stacks alike), and how many of those are measured. */
const STEADY_WARM_UP = 300;
const STEADY_OPENS = 50;

/** Ends a worker that measures the open only. */
class OpenOnly extends Error {}

/** The open figures: create → first channel `open` of fresh pairs, with the CPU each took. */
async function measureOpens(result: Record<string, unknown>): Promise<void> {
  // Fresh pairs, the first ones warm the JIT (and make the process certificate). Twenty, not
  // three: a fresh process's opens 2–15 still run code the JIT has not optimized yet (ours: the
  // JavaScript ML-KEM-768 of the hybrid key share, 3–20 ms a call until then), so three warm-up opens
  // measured the JIT rather than the stack. The first open of the process is reported too (cold).
  // Ours: opens with DTLS on x25519 alone alternate with the default ones in this process, so that
  // the hybrid group's cost is read under the same load and heap (workers run minutes apart on a
  // shared machine, and their loads differed by more than that cost); CPU per open beside each.
  const makeX25519 = stack === "purertc" ? await pairMaker("purertc-x25519") : undefined;
  const opens: number[] = [];
  const cpu: number[] = [];
  const opensX: number[] = [];
  const cpuX: number[] = [];
  const timedOpen = async (
    maker: () => Promise<ChannelPair>,
    ms: number[],
    cpuMs: number[],
    keep: boolean,
  ) => {
    const open = await openOnce(maker, stack);
    if (keep) {
      ms.push(open.ms);
      cpuMs.push(open.cpuMs);
    }
    return open.ms;
  };
  const n = quick ? 8 : 25;
  const warmUp = quick ? 10 : OPEN_WARM_UP;
  for (let i = 0; i < n + warmUp; i++) {
    const ms = await timedOpen(make, opens, cpu, i >= warmUp);
    if (i === 0) result.openFirst = ms;
    if (makeX25519) await timedOpen(makeX25519, opensX, cpuX, i >= warmUp);
  }
  result.open = percentiles(opens);
  result.openCpu = percentiles(cpu);
  if (makeX25519) {
    result.openX25519 = percentiles(opensX);
    result.openX25519Cpu = percentiles(cpuX);
  }
  if (stack !== "purertc" && stack !== "werift" && stack !== "node-datachannel") return;
  // Steady state: a process that has opened hundreds of connections (a server) runs optimized code
  // for what an open calls once (SDP, the handshakes' set-up), which V8 optimizes only after a few
  // hundred calls; twenty warm-up opens leave our open ~1.5x slower than that (measured with
  // open-profile.ts: 7.5 ms after 20 opens, 6.5 after 100, 5.0 after 300). Same count for every stack.
  const steady: number[] = [];
  const steadyCpu: number[] = [];
  const steadyX: number[] = [];
  const steadyCpuX: number[] = [];
  const done = n + warmUp;
  const steadyAt = quick ? 40 : STEADY_WARM_UP;
  const steadyN = quick ? 8 : STEADY_OPENS;
  for (let i = done; i < steadyAt + steadyN; i++) {
    await timedOpen(make, steady, steadyCpu, i >= steadyAt);
    if (makeX25519) await timedOpen(makeX25519, steadyX, steadyCpuX, i >= steadyAt);
  }
  result.openSteady = percentiles(steady);
  result.openSteadyCpu = percentiles(steadyCpu);
  if (makeX25519) {
    result.openSteadyX25519 = percentiles(steadyX);
    result.openSteadyX25519Cpu = percentiles(steadyCpuX);
  }
}

const make = await pairMaker(stack);
const result: Record<string, unknown> = { stack };

/** A pair for the transfer rows, tried up to three times (see pairWithRetries). */
const makePair = (): Promise<ChannelPair> => pairWithRetries(make, stack);
try {
  // DATA without I-DATA: transfer rows only (its opens would repeat purertc's).
  if (stack !== "purertc-data") await measureOpens(result);
  // An open-only row (another DTLS group): its transfers would repeat purertc's.
  if (stack === "purertc-x25519") throw new OpenOnly();

  let pair = await makePair();
  await transfer(pair, 64 * 1024, 8 * MiB, 5000); // warm-up
  await pair.close();
  pair = await makePair();
  const bulkBytes = (quick ? 32 : 128) * MiB;
  const bulk = await bulkRounds(pair, bulkBytes, 4);
  result.bulkMBps = bulk.channel.wall / 1e6;
  result.bulkMBpcpu = bulk.channel.cpu / 1e6;
  if (bulk.raw) {
    result.dtlsMBps = bulk.raw.wall / 1e6;
    result.dtlsMBpcpu = bulk.raw.cpu / 1e6;
  }
  await pair.close();

  pair = await makePair();
  const smallBytes = (quick ? 8 : 24) * MiB;
  const small = await transfer(pair, 1024, smallBytes);
  result.smallMsgs = small.wall / 1024;
  result.smallMsgsPcpu = small.cpu / 1024;
  await pair.close();

  pair = await makePair();
  result.latency = percentiles(await latency(pair, quick ? 100 : 300));
  await pair.close();

  if (stack === "purertc") {
    // Heap over a long transfer: measured after GC before and after.
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) {
      pair = await makePair();
      gc();
      const before = process.memoryUsage().heapUsed;
      const longBytes = (quick ? 128 : 1024) * MiB;
      await transfer(pair, 64 * 1024, longBytes, 300_000);
      gc();
      result.heapGrowthMB = (process.memoryUsage().heapUsed - before) / 1e6;
      result.longMB = longBytes / 1e6;
      await pair.close();
    }
  }
} catch (error) {
  if (!(error instanceof OpenOnly)) result.error = (error as Error).message;
}
process.stdout.write(`${JSON.stringify(result)}\n`);
await cleanupStack(stack);
process.exit(0);
