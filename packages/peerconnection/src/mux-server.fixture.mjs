// A WebRTC server in one process for the Chromium mux test: one UdpMux on
// 127.0.0.1 (port from argv[2], 0 for any), and a PeerConnection on it for
// every {"id","sdp"} offer line read from stdin. Prints JSON lines: "ready"
// with the port, "answer" per offer (candidates included: gathering on a mux
// is immediate), "connected" per PeerConnection, and "closed" with the mux
// counters once stdin ends and everything is closed. Imports the built packages.
import { createInterface } from "node:readline";
import { UdpMux } from "@purertc/ice";
import { PeerConnection } from "@purertc/peerconnection";

const lite = process.argv.includes("--lite");
const mux = await UdpMux.open({ address: "127.0.0.1", port: Number(process.argv[2] ?? 0) });
const out = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);
const pcs = new Map();
out({ event: "ready", port: mux.port });

const input = createInterface({ input: process.stdin, terminal: false });
input.on("line", async (raw) => {
  const { id, sdp } = JSON.parse(raw);
  const pc = new PeerConnection({ udpMux: mux, iceLite: lite });
  pcs.set(id, pc);
  pc.addEventListener("connectionstatechange", () => {
    if (pc.connectionState === "connected") out({ event: "connected", id });
  });
  const gathered = new Promise((resolve) =>
    pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve()),
  );
  await pc.setRemoteDescription({ type: "offer", sdp });
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered;
  out({ event: "answer", id, sdp: pc.localDescription.sdp });
});
input.once("close", async () => {
  await Promise.all([...pcs.values()].map((pc) => pc.close()));
  const stats = mux.stats;
  await mux.close();
  out({ event: "closed", stats, socket: mux.socketStats });
});
