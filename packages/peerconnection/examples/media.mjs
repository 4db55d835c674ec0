// Encoded video from one PeerConnection to another in one process: a sends
// VP8 frames (a camera's, a file's: purertc never encodes), b receives them
// whole, asks for a key frame, and both close with nothing left open.
// Run from the repository root: node packages/peerconnection/examples/media.mjs
import { PeerConnection } from "@purertc/peerconnection";
import { SocketRegistry } from "@purertc/socket";

const a = new PeerConnection({ interfaces: "loopback" });
const b = new PeerConnection({ interfaces: "loopback" });
a.onicecandidate = (e) => b.addIceCandidate(e.candidate);
b.onicecandidate = (e) => a.addIceCandidate(e.candidate);

const video = a.addTransceiver("video", { direction: "sendonly", streams: ["camera"] });
video.setCodecPreferences([{ mimeType: "video/VP8" }]);

const frames = [];
const enough = new Promise((resolve) => {
  b.ontrack = (e) => {
    console.log(`b: track ${e.track.kind} in stream ${e.streams[0]}, mid ${e.transceiver.mid}`);
    e.receiver.addEventListener("frame", (f) => {
      frames.push(f);
      if (frames.length === 10) resolve();
    });
  };
});
const connected = (pc) =>
  new Promise((resolve) => {
    pc.onconnectionstatechange = () => pc.connectionState === "connected" && resolve();
  });
const both = Promise.all([connected(a), connected(b)]);
await a.setLocalDescription(await a.createOffer());
await b.setRemoteDescription(a.localDescription);
await b.setLocalDescription(await b.createAnswer());
await a.setRemoteDescription(b.localDescription);
await both;
console.log(`a: sending ${video.sender.getParameters().codecs[0].mimeType}, ${video.currentDirection}`);

// A VP8 key frame is opaque bytes to purertc: a frame tag, the start code, the size (320x240).
const keyframe = new Uint8Array(4000).fill(0x55);
keyframe.set([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00]);
for (let i = 0; frames.length < 10 && i < 200; i++) {
  video.sender.sendFrame(keyframe, { timestamp: i * 3000, keyframe: true });
  await new Promise((r) => setTimeout(r, 10));
}
await enough;
console.log(
  `b: ${frames.length} frames of ${frames[0].data.length} bytes, key frames: ${frames.every((f) => f.keyframe)}`,
);

const request = new Promise((resolve) =>
  video.sender.addEventListener("keyframerequest", resolve, { once: true }),
);
b.getReceivers()[0].requestKeyframe();
console.log(`a: key frame requested (${(await request).kind})`);

const out = [...(await a.getStats()).values()].find((s) => s.type === "outbound-rtp");
console.log(`a: outbound-rtp framesSent ${out.framesSent > 0}, pliCount ${out.pliCount}`);

await a.close();
await b.close();
console.log(SocketRegistry.default.report());
