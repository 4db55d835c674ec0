import "reflect-metadata";
import { monitorEventLoopDelay, performance as perf } from "node:perf_hooks";
import { FanOut, PeerConnectionWhepFactory, WhepServer } from "@purertc/rtsp-to-whep";
import { profileFor } from "./profile.js";
import { loadSource, Player } from "./source.js";

/**
 * The proxy side of the fan-out bench, in a process of its own (forked by
 * suites/fanout.ts with an IPC channel and --expose-gc): the bench source
 * played at 30 fps into a FanOut, served by a WhepServer whose viewers are
 * PeerConnectionWhepFactory sessions (packetized once, encrypted per
 * viewer), on 127.0.0.1. argv[2]: most viewers. Out: `{ ready: url }`; in,
 * each answered: `{ cpu: "start" | "stop" }` (CPU time, event loop
 * utilization and delay, access units pushed), `{ measure: true }` (GC, then
 * RSS and heap), `{ totals: true }`, `{ profile: ms }`, `{ close: true }`.
 */

const maxViewers = Number(process.argv[2] ?? 1000);
const gc = (globalThis as { gc?: () => void }).gc!;
const send = (m: unknown) => process.send!(m);

const fanOut = new FanOut();
const factory = new PeerConnectionWhepFactory({ fanOut });
const server = await WhepServer.listen({ factory, maxSessions: maxViewers });
const player = new Player(loadSource(), fanOut);
const lag = monitorEventLoopDelay({ resolution: 10 });
let window: {
  cpu: NodeJS.CpuUsage;
  at: number;
  elu: ReturnType<typeof perf.eventLoopUtilization>;
  units: number;
};

// The bench that forked us is gone: nothing left to serve.
process.on("disconnect", () => process.exit(0));
process.on("message", async (m: Record<string, unknown>) => {
  if (m.cpu === "start") {
    lag.reset();
    lag.enable();
    window = {
      cpu: process.cpuUsage(),
      at: performance.now(),
      elu: perf.eventLoopUtilization(),
      units: fanOut.unitsIn,
    };
    send({ cpu: "started", units: fanOut.unitsIn });
  } else if (m.cpu === "stop") {
    const used = process.cpuUsage(window.cpu);
    lag.disable();
    send({
      cpu: {
        ms: (used.user + used.system) / 1000,
        wallMs: performance.now() - window.at,
        elu: perf.eventLoopUtilization(window.elu).utilization,
        lagP99Ms: lag.percentile(99) / 1e6,
        units: fanOut.unitsIn - window.units,
      },
      units: fanOut.unitsIn,
    });
  } else if (m.measure) {
    for (let i = 0; i < 4; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
    const u = process.memoryUsage();
    send({ memory: { rss: u.rss, heap: u.heapUsed + u.external + u.arrayBuffers } });
  } else if (m.totals) {
    send({ totals: { ...factory.totals, viewers: factory.viewerCount } });
  } else if (m.profile) {
    send({ profile: await profileFor(Number(m.profile)) });
  } else if (m.close) {
    player.stop();
    await server.close();
    fanOut.close();
    send({ closed: true });
    process.disconnect();
  }
});
send({ ready: server.url });
