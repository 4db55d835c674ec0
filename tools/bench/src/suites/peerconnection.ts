import { SocketRegistry } from "@purertc/socket";
import { type BenchRow, type BenchSuite, percentiles } from "../harness.js";
import { EXIT_SCRIPTS, exitAfterClose, memoryPerPair } from "../peerconnection/children.js";
import { churn, connectSamples, ourPair, weriftPair } from "../peerconnection/pairs.js";

/**
 * PeerConnection Node ↔ Node on loopback, purertc beside werift's
 * RTCPeerConnection doing the same in the same run: time from create to both
 * `connected` (ICE + DTLS), time to close a connected pair, churn cycles per
 * second with what is left after GC, and heap and RSS per idle connected
 * pair. werift is kept on 127.0.0.1: its public STUN server is cleared and
 * only loopback pairs are allowed (TOOLCHAIN.md).
 */

export const suite: BenchSuite = {
  name: "peerconnection",
  async run({ quick }) {
    const n = quick ? 20 : 100;
    const cycles = quick ? 100 : 1000;
    const held = quick ? 10 : 50;
    // Warm-up both stacks (JIT, certificate code paths).
    await connectSamples(ourPair, 5);
    await connectSamples(weriftPair, 3);

    const ours = await connectSamples(ourPair, n);
    const theirs = await connectSamples(weriftPair, Math.min(n, quick ? 20 : 50));
    const oc = percentiles(ours.connect);
    const wc = percentiles(theirs.connect);
    const ocl = percentiles(ours.close);
    const wcl = percentiles(theirs.close);

    const ourChurn = await churn(ourPair, cycles);
    const weriftChurn = await churn(weriftPair, Math.min(cycles, quick ? 50 : 200));
    const ourMemory = await memoryPerPair("ours", held);
    const weriftMemory = await memoryPerPair("werift", held);
    const left = SocketRegistry.default.size;
    const exitRuns = quick ? 1 : 3;
    const ourExit: number[] = [];
    for (let i = 0; i < exitRuns; i++) ourExit.push(await exitAfterClose(EXIT_SCRIPTS.ours, 60_000));
    const weriftExit = await exitAfterClose(EXIT_SCRIPTS.werift, 60_000);

    const rows: BenchRow[] = [
      {
        metric: "create → connected (ICE + DTLS), median",
        unit: "ms",
        ours: oc.median,
        werift: wc.median,
        higherIsBetter: false,
      },
      {
        metric: "create → connected (ICE + DTLS), p99",
        unit: "ms",
        ours: oc.p99,
        werift: wc.p99,
        higherIsBetter: false,
      },
      {
        metric: "close a connected pair, median",
        unit: "ms",
        ours: ocl.median,
        werift: wcl.median,
        higherIsBetter: false,
      },
      {
        metric: `churn create→connect→exchange→close (${cycles} / werift ${Math.min(cycles, quick ? 50 : 200)})`,
        unit: "cycles/s",
        ours: ourChurn.perSecond,
        werift: weriftChurn.perSecond,
        higherIsBetter: true,
      },
      {
        metric: "after churn + GC: open fds vs before",
        unit: "fds",
        ours: ourChurn.fds,
        werift: weriftChurn.fds,
        higherIsBetter: false,
      },
      {
        metric: "after churn + GC: active handles/timers vs before",
        unit: "handles",
        ours: ourChurn.handles,
        werift: weriftChurn.handles,
        higherIsBetter: false,
      },
      {
        metric: "after churn + GC: closed PeerConnections not collected",
        unit: "objects",
        ours: ourChurn.alive,
        werift: weriftChurn.alive,
        higherIsBetter: false,
      },
      {
        metric: "after churn + GC: heap growth",
        unit: "KiB",
        ours: ourChurn.heapKiB,
        werift: weriftChurn.heapKiB,
        higherIsBetter: false,
      },
      {
        metric: `heap per idle connected pair (${held} held, fresh process)`,
        unit: "KiB",
        ours: ourMemory.heapKiB,
        werift: weriftMemory.heapKiB,
        higherIsBetter: false,
      },
      {
        metric: `RSS per idle connected pair (${held} held, fresh process)`,
        unit: "KiB",
        ours: ourMemory.rssKiB,
        werift: weriftMemory.rssKiB,
        higherIsBetter: false,
      },
      { metric: "registry sockets left at the end", unit: "sockets", ours: left, higherIsBetter: false },
      {
        metric: "process alive after closing mid-DTLS-handshake (cap 60 s)",
        unit: "ms",
        ours: percentiles(ourExit).median,
        werift: weriftExit,
        higherIsBetter: false,
      },
    ];
    return rows;
  },
};
