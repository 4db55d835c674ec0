import type { BenchRow, BenchSuite } from "../harness.js";
import { oursPair, type SctpPair, weriftPair } from "../sctp/pairs.js";

/**
 * SCTP alone (no DTLS, no sockets): two endpoints in one process over an
 * in-memory link that delivers packets in setImmediate batches. One reliable
 * ordered stream, the sender keeps at most 1 MiB sent-but-not-received
 * (an end-to-end window, the same for both stacks), for a fixed time:
 *
 * - 64 KiB messages: MB/s received;
 * - 1 KiB messages: messages/s received.
 *
 * werift 0.25.2's SCTP (its class, loaded by file path) does the same work
 * in the same run. Both run on one core: sender and receiver share it, so
 * the figure is about half of what one side could do against a remote peer.
 */

const WINDOW = 1024 * 1024;

async function run(
  pair: SctpPair,
  size: number,
  ms: number,
): Promise<{ bytes: number; messages: number; elapsed: number }> {
  const payload = new Uint8Array(size).fill(7);
  let sent = 0;
  let received = 0;
  let messages = 0;
  let stop = false;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (!stop && sent - received < WINDOW) {
        pair.send(payload);
        sent += size;
      }
    };
    pair.onMessage = (n) => {
      received += n;
      messages++;
      if (performance.now() - start >= ms) {
        stop = true;
        resolve();
        return;
      }
      if (sent - received < WINDOW / 2) pump();
    };
    pump();
  });
  return { bytes: received, messages, elapsed: performance.now() - start };
}

async function measure(make: () => Promise<SctpPair>, size: number, ms: number) {
  const pair = await make();
  try {
    await run(pair, size, Math.min(300, ms / 4)); // warm-up
    return await run(pair, size, ms);
  } finally {
    await pair.close();
  }
}

export const suite: BenchSuite = {
  name: "sctp",
  async run({ quick }) {
    const ms = quick ? 1000 : 3000;
    const rows: BenchRow[] = [];
    const big = 64 * 1024;
    const o1 = await measure(oursPair, big, ms);
    const w1 = await measure(weriftPair, big, ms);
    rows.push({
      metric: "SCTP throughput, 64 KiB messages (memory link, one core)",
      unit: "MB/s",
      ours: o1.bytes / 1e6 / (o1.elapsed / 1000),
      werift: w1.bytes / 1e6 / (w1.elapsed / 1000),
      higherIsBetter: true,
    });
    const o2 = await measure(oursPair, 1024, ms);
    const w2 = await measure(weriftPair, 1024, ms);
    rows.push({
      metric: "SCTP messages, 1 KiB (memory link, one core)",
      unit: "msg/s",
      ours: o2.messages / (o2.elapsed / 1000),
      werift: w2.messages / (w2.elapsed / 1000),
      higherIsBetter: true,
    });
    return rows;
  },
};
