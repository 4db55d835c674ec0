import type { BenchRow, BenchSuite } from "../harness.js";
import { oursPair, type SctpPair, weriftPair } from "../sctp/pairs.js";
import { setupRows } from "../sctp/setup.js";

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
 * in the same run. Ours uses DATA there, as werift does; two more rows run
 * ours with I-DATA (RFC 8260, what two purertc ends negotiate) beside ours
 * with DATA in the same run. Both run on one core: sender and receiver share it, so
 * the figure is about half of what one side could do against a remote peer.
 * Last, the CPU of an association's setup (sctp/setup.ts).
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
    const dataPair = () => oursPair({}, { interleaving: false });
    const iDataPair = () => oursPair({}, { interleaving: true });
    const o1 = await measure(dataPair, big, ms);
    const w1 = await measure(weriftPair, big, ms);
    rows.push({
      metric: "SCTP throughput, 64 KiB messages (memory link, one core)",
      unit: "MB/s",
      ours: o1.bytes / 1e6 / (o1.elapsed / 1000),
      werift: w1.bytes / 1e6 / (w1.elapsed / 1000),
      higherIsBetter: true,
    });
    const o2 = await measure(dataPair, 1024, ms);
    const w2 = await measure(weriftPair, 1024, ms);
    rows.push({
      metric: "SCTP messages, 1 KiB (memory link, one core)",
      unit: "msg/s",
      ours: o2.messages / (o2.elapsed / 1000),
      werift: w2.messages / (w2.elapsed / 1000),
      higherIsBetter: true,
    });
    const i1 = await measure(iDataPair, big, ms);
    rows.push({
      metric: "SCTP throughput, 64 KiB messages, I-DATA (memory link, one core)",
      unit: "MB/s",
      ours: i1.bytes / 1e6 / (i1.elapsed / 1000),
      reference: { name: "ours with DATA", value: o1.bytes / 1e6 / (o1.elapsed / 1000) },
      higherIsBetter: true,
    });
    const i2 = await measure(iDataPair, 1024, ms);
    rows.push({
      metric: "SCTP messages, 1 KiB, I-DATA (memory link, one core)",
      unit: "msg/s",
      ours: i2.messages / (i2.elapsed / 1000),
      reference: { name: "ours with DATA", value: o2.messages / (o2.elapsed / 1000) },
      higherIsBetter: true,
    });
    rows.push(...(await rtoRows(quick)));
    rows.push(...(await setupRows(quick)));
    return rows;
  },
};

/**
 * Time to move a fixed amount through a lossy memory link (seeded loss in
 * both directions) with three RTO settings: ours (500 ms initial, 200 ms
 * minimum), dcsctp's (500/400) and RFC 9260's (1000/1000). The figures back
 * the defaults chosen in packages/sctp/README.md: "purertc" is our default,
 * "reference" dcsctp's setting, with the RFC's in its name.
 */
async function rtoRows(quick: boolean): Promise<BenchRow[]> {
  const settings = [
    { name: "500/200", rtoInitial: 500, rtoMin: 200 },
    { name: "dcsctp 500/400", rtoInitial: 500, rtoMin: 400 },
    { name: "RFC 1000/1000", rtoInitial: 1000, rtoMin: 1000 },
  ];
  const cases = [
    { loss: 0.1, delay: 0, bytes: (quick ? 1 : 2) * 1024 * 1024, label: "10 % loss, RTT < 1 ms" },
    { loss: 0.1, delay: 10, bytes: (quick ? 1 : 2) * 1024 * 1024, label: "10 % loss, RTT 20 ms" },
    { loss: 0.3, delay: 0, bytes: 128 * 1024, label: "30 % loss, RTT < 1 ms" },
  ];
  const rows: BenchRow[] = [];
  for (const c of cases) {
    const times: number[] = [];
    for (const s of settings) {
      const pair = await oursPair({ loss: c.loss, seed: 42, delay: c.delay }, { ...s, interleaving: false });
      const start = performance.now();
      await moveBytes(pair, 16 * 1024, c.bytes);
      times.push(performance.now() - start);
      await pair.close();
    }
    rows.push({
      metric: `SCTP ${c.bytes / 1024} KiB, ${c.label}, RTO ${settings[0]!.name}`,
      unit: "ms",
      ours: times[0]!,
      reference: {
        name: `${settings[1]!.name} (${settings[2]!.name}: ${Math.round(times[2]!)} ms)`,
        value: times[1]!,
      },
      higherIsBetter: false,
    });
  }
  return rows;
}

function moveBytes(pair: SctpPair, size: number, total: number): Promise<void> {
  const payload = new Uint8Array(size);
  let sent = 0;
  let received = 0;
  return new Promise((resolve) => {
    pair.onMessage = (n) => {
      received += n;
      if (received >= total) resolve();
      else if (sent - received < WINDOW / 2) pump();
    };
    const pump = () => {
      while (sent < total && sent - received < WINDOW) {
        pair.send(payload);
        sent += size;
      }
    };
    pump();
  });
}
