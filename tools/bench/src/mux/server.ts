import "reflect-metadata";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { UdpMux } from "@purertc/ice";
import { PeerConnection } from "@purertc/peerconnection";

/**
 * The server side of the mux bench, in a process of its own (forked by
 * suites/mux.ts with an IPC channel): one PeerConnection per offer it is
 * sent, all on one UdpMux on 127.0.0.1 (argv[2] = "mux"), or each with a
 * socket of its own (argv[2] = "sockets", today's design, for the same-run
 * reference). Messages in: `{ offer: { id, sdp } }`, `{ measure: true }`
 * (GC, then heap and RSS), `{ cpu: "start" | "stop" }`, `{ count: true }`
 * (PeerConnections `connected` now), `{ close: true }`. Out: `{ answer }`,
 * `{ connected: id }`, `{ disconnected: id }` / `{ failed: id }` for a
 * PeerConnection that had been connected, and one answer per request.
 */

const mode = process.argv[2] === "sockets" ? "sockets" : "mux";
const lite = process.argv.includes("--lite");
// --channel: the peer opens a data channel; `connected` is reported once it is open here too.
const channel = process.argv.includes("--channel");
const mux = mode === "mux" ? await UdpMux.open({ address: "127.0.0.1" }) : undefined;
const pcs: PeerConnection[] = [];
let cpuStart: NodeJS.CpuUsage | undefined;
// Event loop delay during the hold: how late timers (consent) fire.
const lag = monitorEventLoopDelay({ resolution: 20 });
let cpuStartedAt = 0;
const gc = (globalThis as { gc?: () => void }).gc!;
const send = (m: unknown) => process.send!(m);

async function answer(id: number, sdp: string): Promise<void> {
  const pc = mux
    ? new PeerConnection({ udpMux: mux, iceLite: lite })
    : new PeerConnection({ interfaces: "loopback", iceLite: lite });
  pcs.push(pc);
  let wasConnected = false;
  let open = !channel;
  const ready = () => {
    if (pc.connectionState !== "connected" || !open) return;
    wasConnected = true;
    send({ connected: id });
  };
  if (channel)
    pc.addEventListener("datachannel", (e) => {
      const dc = e.channel;
      const opened = () => {
        open = true;
        ready();
      };
      if (dc.readyState === "open") opened();
      else dc.addEventListener("open", opened);
    });
  pc.addEventListener("connectionstatechange", () => {
    const state = pc.connectionState;
    if (state === "connected") {
      ready();
    } else if (wasConnected && (state === "disconnected" || state === "failed")) send({ [state]: id });
  });
  const gathered = new Promise<void>((resolve) => {
    const check = () => pc.iceGatheringState === "complete" && resolve();
    pc.addEventListener("icegatheringstatechange", check);
  });
  await pc.setRemoteDescription({ type: "offer", sdp });
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered;
  send({ answer: { id, sdp: pc.localDescription!.sdp } });
}

// The bench that forked us is gone: nothing left to serve.
process.on("disconnect", () => process.exit(0));
process.on("message", async (m: Record<string, unknown>) => {
  if (m.offer) {
    const { id, sdp } = m.offer as { id: number; sdp: string };
    answer(id, sdp).catch((error: unknown) => send({ error: String(error) }));
  } else if (m.measure) {
    for (let i = 0; i < 4; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
    const { heapUsed, rss } = process.memoryUsage();
    send({ memory: { heapUsed, rss } });
  } else if (m.cpu === "start") {
    cpuStart = process.cpuUsage();
    lag.reset();
    lag.enable();
    cpuStartedAt = performance.now();
    send({ cpu: "started" });
  } else if (m.cpu === "stop") {
    const used = process.cpuUsage(cpuStart);
    lag.disable();
    send({
      cpu: {
        ms: (used.user + used.system) / 1000,
        wallMs: performance.now() - cpuStartedAt,
        lagP99Ms: lag.percentile(99) / 1e6,
        lagMaxMs: lag.max / 1e6,
      },
    });
  } else if (m.count) {
    const states: Record<string, number> = {};
    for (const pc of pcs) states[pc.connectionState] = (states[pc.connectionState] ?? 0) + 1;
    send({ count: states.connected ?? 0, states, total: pcs.length });
  } else if (m.close) {
    const t0 = performance.now();
    await Promise.all(pcs.map((pc) => pc.close()));
    const stats = mux ? { ...mux.stats, receiveBufferBytes: mux.receiveBufferBytes } : undefined;
    await mux?.close();
    send({ closed: { ms: performance.now() - t0, mux: stats } });
    process.disconnect();
  }
});
send({ ready: mode, port: mux?.port });
