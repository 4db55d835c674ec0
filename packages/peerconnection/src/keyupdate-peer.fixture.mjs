// A purertc peer for the DTLS 1.3 KeyUpdate interop test (interop-chromium-keyupdate.test.ts):
// one PeerConnection with a small dtlsKeyUpdateAfterRecords, signalled by JSON lines on stdin
// and stdout (offer/answer lines, candidate events); every data-channel message is echoed.
//
//   node keyupdate-peer.fixture.mjs --offer|--answer --key-update-after N
//   stdin:  {"type":"offer"|"answer","sdp":…} · {"event":"candidate",…}
//   stdout: offer/answer, candidate, connectionstatechange, transport ({tlsVersion, tlsGroup}), closed
import { createInterface } from "node:readline";
import { PeerConnection } from "@purertc/peerconnection";

const offer = process.argv.includes("--offer");
const after = Number(process.argv[process.argv.indexOf("--key-update-after") + 1]);
const out = (e) => process.stdout.write(`${JSON.stringify(e)}\n`);
const pc = new PeerConnection({ interfaces: "loopback", dtlsKeyUpdateAfterRecords: after });

const echo = (c) => c.addEventListener("message", (e) => c.readyState === "open" && c.send(e.data));
pc.addEventListener("datachannel", (e) => echo(e.channel));
pc.addEventListener("icecandidate", (e) =>
  out({
    event: "candidate",
    candidate: e.candidate?.candidate ?? "",
    sdpMid: e.candidate?.sdpMid ?? "0",
    sdpMLineIndex: e.candidate?.sdpMLineIndex ?? 0,
  }),
);
pc.addEventListener("connectionstatechange", async () => {
  out({ event: "connectionstatechange", state: pc.connectionState });
  if (pc.connectionState !== "connected") return;
  const stats = await pc.getStats();
  for (const s of stats.values())
    if (s.type === "transport") out({ event: "transport", tlsVersion: s.tlsVersion, tlsGroup: s.tlsGroup });
});

async function onLine(line) {
  if ((line.type === "offer" || line.type === "answer") && typeof line.sdp === "string") {
    await pc.setRemoteDescription({ type: line.type, sdp: line.sdp });
    if (line.type === "offer") {
      await pc.setLocalDescription(await pc.createAnswer());
      out({ event: "answer", type: "answer", sdp: pc.localDescription.sdp });
    }
  } else if (line.event === "candidate") {
    await pc.addIceCandidate({
      candidate: line.candidate ?? "",
      sdpMid: line.sdpMid ?? null,
      sdpMLineIndex: line.sdpMLineIndex ?? null,
    });
  }
}

const input = createInterface({ input: process.stdin, terminal: false });
let queue = Promise.resolve();
input.on("line", (raw) => {
  let line;
  try {
    line = JSON.parse(raw);
  } catch {
    return;
  }
  queue = queue.then(() => onLine(line)).catch((error) => out({ event: "error", message: error.message }));
});
input.on("close", async () => {
  await queue;
  await pc.close();
  out({ event: "closed" });
  process.exit(0);
});
process.on("SIGTERM", async () => {
  await pc.close();
  process.exit(0);
});

if (offer) {
  echo(pc.createDataChannel("ku"));
  await pc.setLocalDescription(await pc.createOffer());
  out({ event: "offer", type: "offer", sdp: pc.localDescription.sdp });
}
