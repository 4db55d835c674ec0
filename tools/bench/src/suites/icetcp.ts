import type { BenchRow, BenchSuite } from "../harness.js";
import { type Figures, runWorker } from "./datachannel.js";

/**
 * ICE over TCP (RFC 6544): the data-channel figures of ../datachannel/worker.ts
 * for two purertc PeerConnections that have only TCP candidates (one passive,
 * one active; checks, DTLS and SCTP over RFC 4571 frames on one loopback TCP
 * connection), beside purertc over UDP and node-datachannel 0.33.4 over UDP
 * (libjuice has no ICE-TCP) from the same run. werift is left out: it has no
 * ICE-TCP either, and its UDP figures are in the datachannel suite.
 */
export const suite: BenchSuite = {
  name: "icetcp",
  async run({ quick }) {
    const tcp = await runWorker("purertc-tcp", quick);
    const udp = await runWorker("purertc", quick);
    const ndc = await runWorker("node-datachannel", quick);
    for (const f of [tcp, udp, ndc]) if (f.error) process.stderr.write(`${f.stack}: ${f.error}\n`);
    const row = (
      metric: string,
      unit: string,
      pick: (f: Figures) => number | undefined,
      higherIsBetter: boolean,
    ): BenchRow => {
      const mine = pick(tcp) ?? Number.NaN;
      const over = (theirs: number | undefined) =>
        theirs === undefined ? "-" : (higherIsBetter ? mine / theirs : theirs / mine).toFixed(2);
      const u = pick(udp);
      const n = pick(ndc);
      return {
        metric: `${metric} (purertc over TCP)`,
        unit,
        ours: mine,
        higherIsBetter,
        reference: {
          name: `purertc UDP ${u === undefined ? "-" : u.toFixed(1)} (TCP ${over(u)}x), node-datachannel UDP (TCP ${over(n)}x)`,
          value: n ?? Number.NaN,
        },
      };
    };
    return [
      row("create → first channel open, median", "ms", (f) => f.open?.median, false),
      row("bulk, 64 KiB messages, reliable ordered", "MB/s", (f) => f.bulkMBps, true),
      row("1 KiB messages, reliable ordered", "msg/s", (f) => f.smallMsgs, true),
      row("one-way latency, idle channel, median", "ms", (f) => f.latency?.median, false),
      row("one-way latency, idle channel, p99", "ms", (f) => f.latency?.p99, false),
    ];
  },
};
