import { parseRtpPacket } from "@purertc/rtp";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultCodecs } from "./codecs.js";
import { classifyDatagram, DemuxTransport } from "./demux.js";
import { ReceiveStream } from "./receive-stream.js";
import type { RtpCodec } from "./sdp-media.js";
import { HISTORY_SIZE, SendStream } from "./send-stream.js";

const [vp8, h264] = defaultCodecs("video") as [
  ReturnType<typeof defaultCodecs>[0],
  ReturnType<typeof defaultCodecs>[0],
];

/** An Annex-B access unit: SPS, PPS and an IDR slice of `size` bytes (content is opaque to RTP). */
function idr(size: number): Uint8Array {
  const sps = [
    0, 0, 0, 1, 0x67, 0x42, 0xe0, 0x1f, 0xda, 0x02, 0x80, 0xbf, 0xe5, 0x84, 0, 0, 3, 0, 4, 0, 0, 3, 0, 0xf2,
    0x3c, 0x60, 0xc9, 0x20,
  ];
  const pps = [0, 0, 0, 1, 0x68, 0xce, 0x06, 0xe2];
  const slice = new Uint8Array(size).fill(0xab);
  slice[0] = 0x65;
  return Uint8Array.from([...sps, ...pps, 0, 0, 0, 1, ...slice]);
}

describe("RFC 7983 demultiplexing", () => {
  it("classifies by the first byte and RTCP by the packet type", () => {
    expect(classifyDatagram(Uint8Array.of(22, 0xfe, 0xfd))).toBe("dtls");
    expect(classifyDatagram(Uint8Array.of(0x80, 96))).toBe("rtp");
    expect(classifyDatagram(Uint8Array.of(0x80, 96 | 0x80))).toBe("rtp");
    expect(classifyDatagram(Uint8Array.of(0x81, 200))).toBe("rtcp");
    expect(classifyDatagram(Uint8Array.of(0x81, 206))).toBe("rtcp");
    expect(classifyDatagram(Uint8Array.of(0, 1))).toBe("other");
    expect(classifyDatagram(new Uint8Array())).toBe("other");
  });

  it("any datagram goes to exactly one place (or none), never throws", () => {
    const inner = {
      onDatagram: undefined as ((d: Uint8Array) => void) | undefined,
      onClose: undefined,
      closed: false,
      send() {},
      close: async () => {},
    };
    let dtls = 0;
    let media = 0;
    const demux = new DemuxTransport(inner, () => media++);
    demux.onDatagram = () => dtls++;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (d) => {
        const before = dtls + media;
        inner.onDatagram!(d);
        const kind = classifyDatagram(d);
        expect(dtls + media - before).toBe(kind === "other" ? 0 : 1);
      }),
    );
    void demux.close();
    expect(inner.onDatagram).toBeUndefined();
  });
});

/** A receive stream for `codec` collecting its frames and feedback. */
function receiveStream(ssrc: number, codec: RtpCodec, mime: "video/H264" | "video/VP8" | "audio/opus") {
  const frames: { data: Uint8Array; timestamp: number; keyframe: boolean }[] = [];
  const feedback: Uint8Array[] = [];
  const stream = new ReceiveStream({
    ssrc,
    localSsrc: 1,
    codecOf: (pt) => (pt === codec.payloadType ? { codec, mime } : undefined),
    sendRtcp: (p) => feedback.push(p),
    onFrame: (f) => frames.push(f),
  });
  return { stream, frames, feedback };
}

describe("send and receive streams", () => {
  it("an H.264 keyframe of 100 KB goes out as FU-A packets under 1200 bytes with the MID, and comes back whole", () => {
    const packets: Uint8Array[] = [];
    const send = new SendStream(1234, h264, "video", { id: 4, value: "1" }, (p) => packets.push(p));
    const frame = idr(100_000);
    expect(send.sendFrame({ data: frame, timestamp: 3000, keyframe: true })).toBe(true);
    expect(packets.length).toBeGreaterThan(80);
    expect(Math.max(...packets.map((p) => p.length))).toBeLessThanOrEqual(1200);
    expect(send.counters).toMatchObject({ packetsSent: packets.length, framesSent: 1, keyFramesSent: 1 });
    const { stream: receive, frames } = receiveStream(1234, h264, "video/H264");
    for (const p of packets) receive.receive(parseRtpPacket(p), p.length);
    receive.close();
    expect(frames).toHaveLength(1);
    expect(frames[0]!.keyframe).toBe(true);
    expect(frames[0]!.timestamp).toBe(3000);
    expect(Buffer.from(frames[0]!.data).equals(Buffer.from(frame))).toBe(true);
    expect(receive.counters.packetsLost).toBe(0);
  });

  it("answers a NACK from the history, and only for packets it still holds", () => {
    const packets: Uint8Array[] = [];
    const send = new SendStream(1, vp8, "video", undefined, (p) => packets.push(p));
    const keyframe = new Uint8Array(3000); // a VP8 keyframe starts with a clear P bit
    keyframe.set([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01]);
    send.sendFrame({ data: keyframe, timestamp: 0, keyframe: true });
    const seqs = packets.map((p) => parseRtpPacket(p).sequenceNumber);
    packets.length = 0;
    const nack = (lost: number[]) => send.handleRtcp({ type: "nack", senderSsrc: 9, mediaSsrc: 1, lost });
    nack([seqs[1]!, (seqs[0]! + 5000) & 0xffff]);
    expect(packets.map((p) => parseRtpPacket(p).sequenceNumber)).toEqual([seqs[1]]);
    expect(send.counters).toMatchObject({ nackCount: 1, retransmittedPacketsSent: 1 });
    // Past the history's size the old packets are gone.
    for (let i = 0; i < HISTORY_SIZE; i++)
      send.sendFrame({ data: Uint8Array.of(1, 2, 3), timestamp: i, keyframe: false });
    packets.length = 0;
    nack([seqs[1]!]);
    expect(packets).toEqual([]);
    send.close();
    expect(send.sendFrame({ data: keyframe, timestamp: 1, keyframe: true })).toBe(false);
  });

  it("counts loss and reports it in a report block (RFC 3550 §A.3); packets after a gap wait in the reorder buffer", async () => {
    const packets: Uint8Array[] = [];
    const send = new SendStream(7, defaultCodecs("audio")[0]!, "audio", undefined, (p) => packets.push(p));
    for (let i = 0; i < 10; i++)
      send.sendFrame({ data: Uint8Array.of(0xfc, i), timestamp: i * 960, keyframe: true });
    const { stream: receive, frames } = receiveStream(7, defaultCodecs("audio")[0]!, "audio/opus");
    for (const [i, p] of packets.entries())
      if (i !== 3 && i !== 4) receive.receive(parseRtpPacket(p), p.length);
    expect(frames).toHaveLength(3); // the rest is held for the missing two…
    for (let i = 0; i < 100 && frames.length < 8; i++) await new Promise((r) => setTimeout(r, 10));
    expect(frames).toHaveLength(8); // …until the reorder buffer gives up on them (100 ms)
    expect(receive.counters.packetsLost).toBe(2);
    const block = receive.reportBlock()!;
    receive.close();
    expect(block.cumulativeLost).toBe(2);
    expect(block.fractionLost).toBe(Math.floor((2 * 256) / 10));
  });

  it("rewrites a relayed packet's SSRC, payload type and sequence number, keeping timestamp and payload", () => {
    const out: Uint8Array[] = [];
    const send = new SendStream(99, h264, "video", { id: 4, value: "0" }, (p) => out.push(p));
    const foreign = Uint8Array.from([
      0x80,
      0x80 | 33,
      0x12,
      0x34,
      0,
      0,
      0x10,
      0,
      0xde,
      0xad,
      0xbe,
      0xef,
      0x65,
      1,
      2,
      3,
    ]);
    send.sendRtp(foreign);
    send.sendRtp(foreign);
    const [a, b] = out.map(parseRtpPacket);
    expect(a).toMatchObject({ ssrc: 99, payloadType: 102, marker: true, timestamp: 0x1000 });
    expect(b!.sequenceNumber).toBe((a!.sequenceNumber + 1) & 0xffff);
    expect([...a!.payload]).toEqual([0x65, 1, 2, 3]);
  });
});

describe("what a sender refuses", () => {
  it("a frame the codec cannot carry, or bytes that are not RTP, are ERR_OPERATION", () => {
    const send = new SendStream(1, vp8, "video", undefined, () => {});
    expect(() => send.sendFrame({ data: new Uint8Array(0), timestamp: 0, keyframe: true })).toThrow(
      expect.objectContaining({ name: "PeerConnectionError", code: "ERR_OPERATION" }),
    );
    expect(() => send.sendRtp(Uint8Array.of(1, 2, 3))).toThrow(
      expect.objectContaining({ name: "PeerConnectionError", code: "ERR_OPERATION" }),
    );
    const opus = new SendStream(2, defaultCodecs("audio")[0]!, "audio", undefined, () => {});
    expect(() => opus.sendFrame({ data: new Uint8Array(5000), timestamp: 0, keyframe: true })).toThrow(
      /over the budget/,
    );
  });
});
