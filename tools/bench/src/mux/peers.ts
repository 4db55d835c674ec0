import "reflect-metadata";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { PeerConnection } from "@purertc/peerconnection";

/**
 * The browsers of the mux bench: `count` PeerConnections in one process
 * (forked by suites/mux.ts), each with a socket of its own on 127.0.0.1, as
 * browsers have. Ids start at argv[3]. At most `window` offers are in flight
 * at once. Out: `{ offer: { id, sdp } }` (every candidate in it),
 * `{ connected: id }` or `{ failed: id }` (never connected); in: `{ answer: { id, sdp } }`, `{ count: true }`,
 * `{ close: true }`.
 */

const count = Number(process.argv[2]);
const first = Number(process.argv[3]);
const window = Number(process.argv[4] ?? 64);
// --channel: a data channel per PC, and `connected` once it is open too.
const channel = process.argv.includes("--channel");
const pcs = new Map<number, PeerConnection>();
const send = (m: unknown) => process.send!(m);
let next = first;
let inFlight = 0;
const up = new Set<number>();
const lag = monitorEventLoopDelay({ resolution: 20 });
lag.enable();

async function offer(id: number): Promise<void> {
  const pc = new PeerConnection({ interfaces: "loopback" });
  pcs.set(id, pc);
  let open = !channel;
  const ready = () => {
    if (pc.connectionState === "connected" && open && !up.has(id)) {
      up.add(id);
      inFlight--;
      send({ connected: id });
      pump();
    }
  };
  if (channel) {
    const dc = pc.createDataChannel("idle");
    dc.addEventListener("open", () => {
      open = true;
      ready();
    });
  }
  pc.addEventListener("connectionstatechange", () => {
    if (pc.connectionState === "connected") ready();
    else if (pc.connectionState === "failed" && !up.has(id)) {
      // Never connected: free its slot, or failures would stall the window.
      up.add(id);
      inFlight--;
      send({ failed: id });
      pump();
    }
  });
  const gathered = new Promise<void>((resolve) => {
    const check = () => pc.iceGatheringState === "complete" && resolve();
    pc.addEventListener("icegatheringstatechange", check);
  });
  await pc.setLocalDescription(await pc.createOffer());
  await gathered;
  send({ offer: { id, sdp: pc.localDescription!.sdp } });
}

function pump(): void {
  while (inFlight < window && next < first + count) {
    inFlight++;
    offer(next++).catch((error: unknown) => send({ error: String(error) }));
  }
}

// The bench that forked us is gone: nothing left to serve.
process.on("disconnect", () => process.exit(0));
process.on("message", async (m: Record<string, unknown>) => {
  if (m.answer) {
    const { id, sdp } = m.answer as { id: number; sdp: string };
    pcs
      .get(id)
      ?.setRemoteDescription({ type: "answer", sdp })
      .catch((error: unknown) => send({ error: String(error) }));
  } else if (m.start) {
    pump();
  } else if (m.count) {
    const states: Record<string, number> = {};
    for (const pc of pcs.values()) states[pc.connectionState] = (states[pc.connectionState] ?? 0) + 1;
    send({
      count: states.connected ?? 0,
      states,
      lagP99Ms: lag.percentile(99) / 1e6,
      lagMaxMs: lag.max / 1e6,
    });
  } else if (m.close) {
    await Promise.all([...pcs.values()].map((pc) => pc.close()));
    send({ closed: true });
    process.disconnect();
  }
});
send({ ready: true });
