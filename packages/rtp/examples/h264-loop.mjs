// Sends H.264 access units through an RTP stream with 1 packet in 10 lost, and receives them back whole:
// the receiver NACKs, the sender retransmits from its history; RTCP reports go the other way.
import {
  H264Depacketizer,
  H264Payloader,
  parseRtcp,
  parseRtpPacket,
  RtpReceiveStream,
  RtpSendStream,
} from "@purertc/rtp";

const hex = (s) => new Uint8Array(Buffer.from(s, "hex"));
// SPS and PPS of a 320x240 baseline stream made by x264, then a synthetic 5 kB IDR slice.
const sps = hex("6742c00dd90141fb0110000003001000000303c8f142a480");
const pps = hex("68cb83cb20");
const slice = (type, i) => Object.assign(new Uint8Array(5000).fill(i), { 0: type, 1: 0x88 });

let sent = 0;
let receiver;
const sender = new RtpSendStream({
  ssrc: 0x1234,
  payloadType: 102,
  clockRate: 90000,
  payloader: new H264Payloader(),
  sendRtp: (packet) => {
    // The network: every 10th packet never arrives.
    if (++sent % 10 !== 0) receiver.receive(parseRtpPacket(packet));
  },
  onKeyframeRequest: (reason) => console.log(`key frame requested (${reason})`),
});

const frames = [];
receiver = new RtpReceiveStream({
  ssrc: 0x1234,
  localSsrc: 0x5678,
  clockRate: 90000,
  depacketizer: new H264Depacketizer(),
  sendRtcp: (bytes) => {
    for (const packet of parseRtcp(bytes)) sender.handleRtcp(packet);
  },
  onFrame: (frame) => frames.push(frame),
});

for (let i = 0; i < 10; i++) {
  const au = i === 0 ? [sps, pps, slice(0x65, i)] : [slice(0x41, i)];
  sender.sendFrame(au, i * 3000);
  await new Promise((resolve) => setTimeout(resolve, 5));
}
// Retransmissions come back within a few receiver ticks (20 ms); wait for them, 2 s at most.
for (let waited = 0; frames.length < 10 && waited < 2000; waited += 10) {
  await new Promise((resolve) => setTimeout(resolve, 10));
}

const first = frames[0];
console.log(
  `first frame: keyframe=${first.keyframe} ${first.sps.width}x${first.sps.height} ${first.nalus.length} NAL units`,
);
console.log(`frames received ${frames.length}/10, complete ${frames.filter((f) => f.complete).length}`);
console.log(
  `NACKs ${receiver.stats.nackCount}, retransmitted ${sender.stats.retransmittedPackets}, PLIs ${receiver.stats.pliCount}`,
);
receiver.close();
sender.close();
