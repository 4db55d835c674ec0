import { type BenchRow, percentiles } from "../harness.js";
import { type Samples, samples, startWorker } from "./workers.js";

/**
 * DTLS 1.2 and 1.3 (x25519) handshakes over a link with a 20 ms round trip (10 ms added to each
 * datagram in the worker, after its warm-up), with and without the cookie exchange. On loopback
 * the handshake is all CPU and 1.3's extra record protection and key schedule show; across a real
 * link its round trip fewer does: the client of 1.2 is connected after 2 round trips (3 with
 * cookies), 1.3's server after 1.5 (2.5), and a handshake here ends when both are.
 */
export async function rttRows(quick: boolean): Promise<BenchRow[]> {
  const rounds = quick ? 2 : 6;
  const roundMs = quick ? 300 : 600;
  const warmup = quick ? 300 : 1000;
  const names = ["1.2-rtt20", "1.3-x25519-rtt20", "1.2-direct-rtt20", "1.3-x25519-direct-rtt20"] as const;
  const workers = [];
  for (const name of names) workers.push(await startWorker(`ours:${name}`, warmup));
  const got: Samples[] = names.map(() => samples());
  try {
    for (let r = 0; r < rounds; r++)
      for (const [i, w] of workers.entries()) {
        const s = await w.round(roundMs);
        got[i]!.times.push(...s.times);
        got[i]!.cpu.push(...s.cpu);
        got[i]!.elapsed += s.elapsed;
      }
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
  const median = (i: number) => percentiles(got[i]!.times).median;
  return [
    {
      metric: "DTLS 1.3 handshake (x25519) over a 20 ms round trip, with cookie exchange, median",
      unit: "ms",
      ours: median(1),
      reference: { name: "our DTLS 1.2, same link", value: median(0) },
      higherIsBetter: false,
    },
    {
      metric: "DTLS 1.3 handshake (x25519) over a 20 ms round trip, without cookie exchange, median",
      unit: "ms",
      ours: median(3),
      reference: { name: "our DTLS 1.2, same link", value: median(2) },
      higherIsBetter: false,
    },
  ];
}
