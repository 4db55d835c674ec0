import type { ChannelPair } from "./pair.js";

/**
 * The transfer helpers of the data-channel bench (worker.ts, one process per
 * stack; interleaved.ts, the stacks' children asked in turn): one pair's
 * transfer with bufferedAmountLowThreshold backpressure, and what it moved
 * and spent.
 */

export const MiB = 1024 * 1024;
/** Backpressure: refill while bufferedAmount is under this, wait for bufferedamountlow at half of it. */
export const HIGH_WATER = 1 * MiB;

/** Rejects with "`what` took over `ms` ms" if `p` has not settled by then. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** A transfer's rate by the clock, and by the CPU time the process spent (all its threads: usrsctp's too). */
export interface Rate {
  /** Bytes per second of wall time. */
  wall: number;
  /** Bytes per second of process CPU time: what the stack costs, less sensitive to a loaded machine. */
  cpu: number;
}

/** What one transfer moved and spent, summed over interleaved rounds before it becomes a {@link Rate}. */
export interface Tally {
  bytes: number;
  /** Wall time, ms. */
  wallMs: number;
  /** Process CPU time (user + system, all threads), µs. */
  cpuUs: number;
}

export const rate = (t: Tally): Rate => ({
  wall: t.bytes / (t.wallMs / 1000),
  cpu: t.bytes / (t.cpuUs / 1e6),
});
export const sum = (a: Tally, b: Tally): Tally => ({
  bytes: a.bytes + b.bytes,
  wallMs: a.wallMs + b.wallMs,
  cpuUs: a.cpuUs + b.cpuUs,
});

/**
 * Sends `total` bytes in `messageSize` messages with bufferedAmountLowThreshold
 * backpressure (refill under {@link HIGH_WATER}, low-water event at half) and
 * measures up to the last byte received, or what arrived within `maxMs` for a
 * stack too slow to finish. The pair's listeners are removed after it. `who`
 * names the stack in the error thrown when nothing arrived.
 */
export async function transferTally(
  pair: ChannelPair,
  messageSize: number,
  total: number,
  maxMs: number,
  who: string,
): Promise<Tally> {
  const chunk = new Uint8Array(messageSize).fill(0x61);
  let received = 0;
  let sent = 0;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let finish: () => void = () => {};
  let unMessage: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
    unMessage = pair.onMessage((n) => {
      received += n;
      if (received >= total) resolve();
    });
  });
  const pump = () => {
    while (sent < total && pair.bufferedAmount() < HIGH_WATER) {
      pair.send(chunk);
      sent += messageSize;
    }
  };
  const unLow = pair.onBufferedAmountLow(HIGH_WATER / 2, pump);
  pump();
  // A poll as well, every 5 ms: a stack whose bufferedamountlow misfires is measured, not stalled.
  const poll = setInterval(() => {
    if (performance.now() - start > maxMs) finish();
    else pump();
  }, 5);
  await done.finally(() => clearInterval(poll));
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  unMessage();
  unLow();
  if (received === 0) throw new Error(`${who}: nothing arrived in ${maxMs} ms`);
  return { bytes: received, wallMs, cpuUs: cpu.user + cpu.system };
}

/** One open: `make()` (create → the first channel `open`) with the process CPU it took (ms), then the pair closed. */
export async function timedOpen(
  make: () => Promise<ChannelPair>,
  who: string,
): Promise<{ ms: number; cpuMs: number }> {
  const before = process.cpuUsage();
  const pair = await withTimeout(make(), 20_000, `${who}: open`);
  const used = process.cpuUsage(before);
  await pair.close();
  return { ms: pair.openMs, cpuMs: (used.user + used.system) / 1000 };
}

/**
 * A pair tried up to three times: under load node-datachannel's
 * setRemoteDescription now and then throws ("Got a remote candidate without
 * ICE transport"), which cost two runs all of its transfer rows.
 */
export async function pairWithRetries(make: () => Promise<ChannelPair>, who: string): Promise<ChannelPair> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await withTimeout(make(), 20_000, `${who}: open`);
    } catch (error) {
      if (attempt >= 3) throw error;
      process.stderr.write(`${who}: pair failed (${(error as Error).message}), again\n`);
    }
  }
}
