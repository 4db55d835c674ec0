import type { BenchRow } from "../harness.js";
import { oursPair, type SctpPair, weriftPair } from "./pairs.js";

/**
 * The SCTP share of a data channel's open: CPU per association pair made,
 * set up (ours: both ends connect, as in WebRTC; werift: client and server),
 * one 40-byte message (a DCEP OPEN's size) delivered, and closed, over the
 * in-memory link of pairs.ts. The stacks take turns in rounds after a
 * warm-up (the setup path takes ~2,000 pairs to be optimised); the figure is
 * the median round's `process.cpuUsage()` per pair.
 */
async function round(make: () => Promise<SctpPair>, n: number): Promise<number> {
  const payload = new Uint8Array(40);
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const pair = await make();
    const got = new Promise<void>((resolve) => {
      pair.onMessage = () => resolve();
    });
    pair.send(payload);
    await got;
    await pair.close();
  }
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function setupRows(quick: boolean): Promise<BenchRow[]> {
  const ours = () => oursPair({}, { interleaving: false });
  const n = quick ? 300 : 1000;
  const rounds = quick ? 3 : 5;
  await round(ours, 2000);
  await round(weriftPair, 2000);
  const o: number[] = [];
  const w: number[] = [];
  for (let r = 0; r < rounds; r++) {
    o.push(await round(ours, n));
    w.push(await round(weriftPair, n));
  }
  return [
    {
      metric: "SCTP setup + first message + close, CPU per association pair (memory link)",
      unit: "µs",
      ours: median(o),
      werift: median(w),
      higherIsBetter: false,
    },
  ];
}
