// A child process for the exit test: brings a PeerConnection to the state
// named in argv[2], closes everything, prints "closed", and must then exit on
// its own (nothing left holding the event loop). Imports the built packages.
import { IceAgent } from "@purertc/ice";
import { PeerConnection, parseSdp, serializeSdp } from "@purertc/peerconnection";
import { SocketRegistry } from "@purertc/socket";

const state = process.argv[2];
const opts = { interfaces: "loopback" };

function until(check) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const poll = () => {
      if (check()) resolve();
      else if (performance.now() - start > 10_000) reject(new Error(`timed out in ${state}`));
      else setTimeout(poll, 2);
    };
    poll();
  });
}

function trickle(a, b) {
  a.addEventListener("icecandidate", (e) => void b.addIceCandidate(e.candidate).catch(() => {}));
  b.addEventListener("icecandidate", (e) => void a.addIceCandidate(e.candidate).catch(() => {}));
}

async function negotiate(a, b, mangle = (sdp) => sdp) {
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription({ type: "answer", sdp: mangle(b.localDescription.sdp) });
}

const toClose = [];
const a = new PeerConnection(opts);
toClose.push(a);
if (state === "gathering") {
  await a.setLocalDescription(await a.createOffer());
} else if (state === "checking") {
  const silent = await SocketRegistry.default.open(toClose, { label: "silent", address: "127.0.0.1" });
  toClose.push(silent);
  const b = new PeerConnection(opts);
  toClose.push(b);
  await negotiate(a, b);
  await a.addIceCandidate({
    candidate: `candidate:1 1 udp 2130706431 127.0.0.1 ${silent.address().port} typ host`,
    sdpMid: "0",
  });
  await until(() => a.iceConnectionState === "checking");
} else if (state === "dtls") {
  const agent = new IceAgent({ role: "controlled", loopback: "only", ipv6: false });
  toClose.push(agent);
  const candidates = [];
  a.addEventListener("icecandidate", (e) => e.candidate?.candidate && candidates.push(e.candidate.candidate));
  agent.on("candidate", (c) => {
    if (c)
      void a.addIceCandidate({
        candidate: `candidate:${c.foundation} 1 udp ${c.priority} ${c.address} ${c.port} typ host`,
        sdpMid: "0",
      });
  });
  await a.setLocalDescription(await a.createOffer());
  const offer = parseSdp(a.localDescription.sdp);
  const answer = parseSdp(a.localDescription.sdp);
  Object.assign(answer.media[0], {
    iceUfrag: agent.localCredentials.ufrag,
    icePwd: agent.localCredentials.pwd,
    setup: "active",
    candidates: [],
  });
  await a.setRemoteDescription({ type: "answer", sdp: serializeSdp(answer) });
  agent.setRemoteCredentials({ ufrag: offer.media[0].iceUfrag, pwd: offer.media[0].icePwd });
  await agent.gather();
  await until(() => candidates.length > 0);
  for (const c of candidates) agent.addRemoteCandidate(c);
  await agent.connect();
  await until(() => a.iceConnectionState === "connected" || a.iceConnectionState === "completed");
} else if (state === "connected" || state === "failed" || state === "remote-gone") {
  const b = new PeerConnection(opts);
  toClose.push(b);
  trickle(a, b);
  const mangle =
    state === "failed"
      ? (sdp) => sdp.replace(/(a=fingerprint:sha-256 )(..)/, (_, p, h) => p + (h === "00" ? "11" : "00"))
      : undefined;
  await negotiate(a, b, mangle);
  if (state === "failed") await until(() => a.connectionState === "failed");
  else await until(() => a.connectionState === "connected" && b.connectionState === "connected");
  if (state === "remote-gone") {
    await b.close();
    await until(() => a.dtlsState === "closed");
  }
} else if (state !== "new") {
  throw new Error(`unknown state ${state}`);
}
process.stdout.write(`reached ${state}: ${a.connectionState}\n`);
for (const x of toClose) await x.close();
process.stdout.write("closed\n");
