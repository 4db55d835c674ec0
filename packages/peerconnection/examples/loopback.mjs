// Two PeerConnections in one process: offer/answer with trickle, ICE + DTLS +
// SCTP over loopback, a data channel with one message each way, close; then
// nothing is left open.
// Run from the repository root: node packages/peerconnection/examples/loopback.mjs
import { PeerConnection } from "@purertc/peerconnection";
import { SocketRegistry } from "@purertc/socket";

const a = new PeerConnection({ interfaces: "loopback" });
const b = new PeerConnection({ interfaces: "loopback" });

// Signalling: in real life these go through your server.
a.onicecandidate = (e) => b.addIceCandidate(e.candidate);
b.onicecandidate = (e) => a.addIceCandidate(e.candidate);

const connected = (pc) =>
  new Promise((resolve, reject) => {
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === "connected") resolve();
      if (pc.connectionState === "failed") reject(pc.transportError);
    };
  });
const both = Promise.all([connected(a), connected(b)]);

// A channel made before connecting opens once the SCTP association is up.
const channel = a.createDataChannel("chat");
const opened = new Promise((resolve) => (channel.onopen = resolve));
// b answers every message on the channel a opened.
b.ondatachannel = ({ channel: incoming }) => {
  incoming.onmessage = (e) => incoming.send(`b received: ${e.data}`);
};

await a.setLocalDescription(await a.createOffer());
await b.setRemoteDescription(a.localDescription);
await b.setLocalDescription(await b.createAnswer());
await a.setRemoteDescription(b.localDescription);
await both;

const stats = await a.getStats();
const transport = [...stats.values()].find((s) => s.type === "transport");
console.log(`connected: DTLS ${transport.dtlsCipher}, ${a.iceConnectionState}`);

await opened;
const reply = new Promise((resolve) => (channel.onmessage = (e) => resolve(e.data)));
channel.send("hello over a data channel");
console.log(await reply);

await a.close();
await b.close();
console.log(SocketRegistry.default.report());
