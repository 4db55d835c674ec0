import dgram from "node:dgram";
import { existsSync } from "node:fs";
import { TurnClient } from "@purertc/turn";
import { createTurnClient } from "werift";
import { type BenchRow, type BenchSuite, percentiles } from "../harness.js";

/**
 * TURN client against coturn's `turnserver` on loopback (one static
 * long-term user):
 *
 * - allocation: from nothing to a relayed address (socket open, unsigned
 *   Allocate, 401, signed Allocate, success), then deallocation, repeated;
 * - relayed echo RTT: a datagram to a plain UDP echo peer through the relay and
 *   back, one at a time, once the channel is bound (ChannelData both ways for
 *   ours; werift's `sendData` binds a channel too).
 *
 * Ours (`TurnClient`) beside werift's `createTurnClient` in the same run,
 * against the same server.
 */

interface CoturnServer {
  address: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

async function startServer(): Promise<CoturnServer> {
  // The harness is loaded at run time: the bench package does not build against tools/interop.
  const specifier = "@purertc/interop/coturn";
  const { startCoturn } = (await import(specifier)) as {
    startCoturn: (options: { mode: "turn" }) => Promise<CoturnServer>;
  };
  return startCoturn({ mode: "turn" });
}

async function echoPeer(): Promise<{ socket: dgram.Socket; port: number }> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  socket.on("message", (data, from) => socket.send(data, from.port, from.address));
  return { socket, port: socket.address().port };
}

async function oursAllocation(server: CoturnServer): Promise<number> {
  const start = performance.now();
  const turn = new TurnClient({ server: server.address, username: "user", password: "pass" });
  await turn.allocate();
  const took = performance.now() - start;
  await turn.close();
  return took;
}

let weriftRetries = 0;

async function weriftAllocation(server: CoturnServer): Promise<number> {
  // werift does not retry a 437 Allocation Mismatch (its port reused while an
  // earlier allocation from it still lives): retry here, and count it.
  for (let attempt = 0; ; attempt++) {
    const start = performance.now();
    try {
      const turn = await createTurnClient(
        { address: [server.host, server.port], username: "user", password: "pass" },
        { lifetime: 600 },
      );
      const took = performance.now() - start;
      await turn.close();
      return took;
    } catch (error) {
      if (attempt >= 3) throw error;
      weriftRetries++;
    }
  }
}

/** Sequential echo RTTs through the relay; `send` sends one datagram, `onData` is fed each echo. */
async function echoRtts(
  rounds: number,
  send: (data: Buffer) => void | Promise<void>,
  subscribe: (onData: (data: Uint8Array) => void) => void,
): Promise<number[]> {
  let waiting: ((data: Uint8Array) => void) | undefined;
  subscribe((data) => waiting?.(data));
  const rtts: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const payload = Buffer.from(`ping-${i}`);
    const start = performance.now();
    const got = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no echo for round ${i}`)), 2000);
      waiting = (data) => {
        if (Buffer.from(data).equals(payload)) {
          clearTimeout(timer);
          resolve();
        }
      };
    });
    await send(payload);
    await got;
    rtts.push(performance.now() - start);
  }
  waiting = undefined;
  return rtts;
}

export const suite: BenchSuite = {
  name: "turn",
  async run({ quick }) {
    if (!existsSync("/usr/bin/turnserver")) {
      process.stderr.write("turn: /usr/bin/turnserver not found (apt-get install coturn); suite skipped\n");
      return [];
    }
    const server = await startServer();
    const peer = await echoPeer();
    try {
      const n = quick ? 10 : 40;
      // Warm-up, then alternate so neither side gets a quieter machine.
      await oursAllocation(server);
      await weriftAllocation(server);
      const ours: number[] = [];
      const theirs: number[] = [];
      for (let i = 0; i < n; i++) {
        ours.push(await oursAllocation(server));
        theirs.push(await weriftAllocation(server));
      }

      const rounds = quick ? 100 : 500;
      const turn = new TurnClient({ server: server.address, username: "user", password: "pass" });
      await turn.allocate();
      await turn.bindChannel(peer.port, "127.0.0.1");
      await turn.createPermission("127.0.0.1");
      let oursOn: ((data: Uint8Array) => void) | undefined;
      turn.on("message", (data) => oursOn?.(data));
      const werift = await createTurnClient(
        { address: [server.host, server.port], username: "user", password: "pass" },
        { lifetime: 600 },
      );
      await werift.getChannel(["127.0.0.1", peer.port]);
      let weriftOn: ((data: Uint8Array) => void) | undefined;
      werift.onData.subscribe((data) => weriftOn?.(data));
      const oursRound = (n: number) =>
        echoRtts(
          n,
          (d) => {
            turn.sendTo(d, peer.port, "127.0.0.1");
          },
          (on) => {
            oursOn = on;
          },
        );
      const weriftRound = (n: number) =>
        echoRtts(
          n,
          (d) => werift.sendData(d, ["127.0.0.1", peer.port]),
          (on) => {
            weriftOn = on;
          },
        );
      // Warm-up (JIT, both paths), then alternating blocks.
      await oursRound(rounds);
      await weriftRound(rounds);
      const oursRtt: number[] = [];
      const weriftRtt: number[] = [];
      for (let block = 0; block < 4; block++) {
        oursRtt.push(...(await oursRound(rounds / 4)));
        weriftRtt.push(...(await weriftRound(rounds / 4)));
      }
      if (turn.stats.channelDataOut < rounds * 2)
        throw new Error("purertc: the echo did not go over the channel");
      await turn.close();
      await werift.close();

      const a = percentiles(ours);
      const b = percentiles(theirs);
      const ra = percentiles(oursRtt);
      const rb = percentiles(weriftRtt);
      const rows: BenchRow[] = [
        {
          metric: "TURN allocation (401 round included), median",
          unit: "ms",
          ours: a.median,
          werift: b.median,
          higherIsBetter: false,
        },
        { metric: "TURN allocation, p99", unit: "ms", ours: a.p99, werift: b.p99, higherIsBetter: false },
        {
          metric: "relayed echo RTT (ChannelData), median",
          unit: "ms",
          ours: ra.median,
          werift: rb.median,
          higherIsBetter: false,
        },
        {
          metric: "relayed echo RTT (ChannelData), p99",
          unit: "ms",
          ours: ra.p99,
          werift: rb.p99,
          higherIsBetter: false,
        },
      ];
      if (weriftRetries > 0)
        process.stderr.write(`turn: werift allocations retried after an error: ${weriftRetries}\n`);
      return rows;
    } finally {
      await new Promise<void>((resolve) => peer.socket.close(() => resolve()));
      await server.close();
    }
  },
};
