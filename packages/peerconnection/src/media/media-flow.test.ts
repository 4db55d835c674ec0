import { H264Payloader, RtpPacketizer } from "@purertc/rtp";
import { describe, expect, it } from "vitest";
import { negotiate, trickle, waitForState } from "../pair.test-helper.js";
import { PeerConnection } from "../peer-connection.js";
import type { FrameEvent } from "./receiver.js";
import type { KeyframeRequestEvent } from "./sender.js";
import type { TrackEvent } from "./track-event.js";

/** An Annex-B IDR access unit: SPS, PPS and a slice of `size` bytes. */
function h264Idr(size: number, fill: number): Uint8Array {
  const sps = [
    0, 0, 0, 1, 0x67, 0x42, 0xe0, 0x1f, 0xda, 0x02, 0x80, 0xbf, 0xe5, 0x84, 0, 0, 3, 0, 4, 0, 0, 3, 0, 0xf2,
    0x3c, 0x60, 0xc9, 0x20,
  ];
  const pps = [0, 0, 0, 1, 0x68, 0xce, 0x06, 0xe2];
  const slice = new Uint8Array(size).fill(fill);
  slice[0] = 0x65;
  return Uint8Array.from([...sps, ...pps, 0, 0, 0, 1, ...slice]);
}

function vp8Keyframe(size: number, fill: number): Uint8Array {
  const frame = new Uint8Array(size).fill(fill);
  // Frame tag with a clear P bit (key frame), start code 9d 01 2a, 320x240.
  frame.set([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00]);
  return frame;
}

function frames(pc: PeerConnection, count: number, ms = 5000): Promise<FrameEvent[]> {
  return new Promise((resolve, reject) => {
    const got: FrameEvent[] = [];
    const timer = setTimeout(() => reject(new Error(`${got.length}/${count} frames within ${ms} ms`)), ms);
    pc.addEventListener("track", (e: TrackEvent) => {
      e.receiver.addEventListener("frame", (f) => {
        got.push(f);
        if (got.length === count) {
          clearTimeout(timer);
          resolve(got);
        }
      });
    });
  });
}

describe("media between two purertc connections (SRTP over the bundled ICE/DTLS transport)", () => {
  it.each([
    ["video/H264", (i: number) => h264Idr(5000 + i * 1000, i + 1)],
    ["video/VP8", (i: number) => vp8Keyframe(3000 + i * 500, i + 1)],
  ] as const)(
    "%s frames arrive whole, in order; a keyframe request travels back as a PLI",
    async (mime, make) => {
      await using a = new PeerConnection({ interfaces: "loopback" });
      await using b = new PeerConnection({ interfaces: "loopback" });
      trickle(a, b);
      const t = a.addTransceiver("video", { direction: "sendonly", streams: ["s"] });
      t.setCodecPreferences([{ mimeType: mime }]);
      const received = frames(b, 5);
      await negotiate(a, b);
      await Promise.all([waitForState(a, "connected"), waitForState(b, "connected")]);
      expect(t.sender.getParameters().codecs[0]!.mimeType).toBe(mime);
      const sent = [0, 1, 2, 3, 4].map(make);
      // DTLS is up on both sides once both say connected; the first packets may still race b's SRTP keys.
      for (let round = 0; round < 20; round++) {
        for (const [i, data] of sent.entries()) {
          t.sender.sendFrame(data, { timestamp: (round * 5 + i) * 3000, keyframe: true });
        }
        const done = await Promise.race([
          received.then(() => true),
          new Promise((r) => setTimeout(() => r(false), 100)),
        ]);
        if (done) break;
      }
      const got = await received;
      // Whole frames, each one of those sent.
      for (const f of got) {
        expect(f.keyframe).toBe(true);
        expect(sent.some((s) => Buffer.from(s).equals(Buffer.from(f.data)))).toBe(true);
      }
      const request = new Promise<KeyframeRequestEvent>((resolve) =>
        t.sender.addEventListener("keyframerequest", resolve, { once: true }),
      );
      b.getReceivers()[0]!.requestKeyframe();
      expect((await request).kind).toBe("pli");
    },
  );

  it("Opus both ways on one sendrecv audio transceiver each", async () => {
    await using a = new PeerConnection({ interfaces: "loopback" });
    await using b = new PeerConnection({ interfaces: "loopback" });
    trickle(a, b);
    const ta = a.addTransceiver("audio");
    const tb = b.addTransceiver("audio");
    const atB = frames(b, 3);
    const atA = frames(a, 3);
    await negotiate(a, b);
    await Promise.all([waitForState(a, "connected"), waitForState(b, "connected")]);
    expect(tb.mid).toBe(ta.mid);
    for (let i = 0; i < 100; i++) {
      ta.sender.sendFrame(Uint8Array.of(0xfc, 1, 2, i), { timestamp: i * 960 });
      tb.sender.sendFrame(Uint8Array.of(0xfc, 3, 4, i), { timestamp: i * 960 });
      const done = await Promise.race([
        Promise.all([atA, atB]).then(() => true),
        new Promise((r) => setTimeout(() => r(false), 20)),
      ]);
      if (done) break;
    }
    const [fa, fb] = await Promise.all([atA, atB]);
    expect([...fb[0]!.data].slice(0, 3)).toEqual([0xfc, 1, 2]);
    expect([...fa[0]!.data].slice(0, 3)).toEqual([0xfc, 3, 4]);
  });
});

describe("renegotiation", () => {
  it("a transceiver added after connecting is offered again, and its frames flow", async () => {
    await using a = new PeerConnection({ interfaces: "loopback" });
    await using b = new PeerConnection({ interfaces: "loopback" });
    trickle(a, b);
    const video = a.addTransceiver("video", { direction: "sendonly" });
    await negotiate(a, b);
    await Promise.all([waitForState(a, "connected"), waitForState(b, "connected")]);
    const audio = a.addTransceiver("audio", { direction: "sendonly" });
    const got = frames(b, 3);
    await negotiate(a, b);
    expect([video.mid, audio.mid]).toEqual(["0", "2"]); // the data section kept mid 1
    expect(audio.currentDirection).toBe("sendonly");
    for (let i = 0; i < 100; i++) {
      audio.sender.sendFrame(Uint8Array.of(0xfc, 9, i), { timestamp: i * 960 });
      const done = await Promise.race([
        got.then(() => true),
        new Promise((r) => setTimeout(() => r(false), 10)),
      ]);
      if (done) break;
    }
    const received = await got;
    expect([...received[0]!.data].slice(0, 2)).toEqual([0xfc, 9]);
    expect(b.getTransceivers().map((t) => [t.mid, t.kind, t.currentDirection])).toEqual([
      ["0", "video", "recvonly"],
      ["2", "audio", "recvonly"],
    ]);
  });
  it("a data-channel-only connection keys SRTP when a later negotiation adds media, and its frames flow", async () => {
    await using a = new PeerConnection({ interfaces: "loopback" });
    await using b = new PeerConnection({ interfaces: "loopback" });
    trickle(a, b);
    const channel = a.createDataChannel("first");
    const opened = new Promise((resolve) => channel.addEventListener("open", resolve));
    await negotiate(a, b);
    await opened;
    // No media negotiated: nothing keyed yet (SRTP waits for a transceiver).
    const keyed = (pc: PeerConnection) =>
      (pc as unknown as { media: { srtp?: unknown } }).media.srtp !== undefined;
    expect([keyed(a), keyed(b)]).toEqual([false, false]);
    const audio = a.addTransceiver("audio", { direction: "sendonly" });
    const got = frames(b, 3);
    await negotiate(a, b);
    expect([keyed(a), keyed(b)]).toEqual([true, true]);
    for (let i = 0; i < 100; i++) {
      audio.sender.sendFrame(Uint8Array.of(0xfc, 7, i), { timestamp: i * 960 });
      const done = await Promise.race([
        got.then(() => true),
        new Promise((r) => setTimeout(() => r(false), 10)),
      ]);
      if (done) break;
    }
    expect([...(await got)[0]!.data].slice(0, 2)).toEqual([0xfc, 7]);
  });
});

describe("relaying RTP (an RTSP camera's packets)", () => {
  it("sendRtp rewrites a foreign stream's SSRC, payload type and sequence; the peer reassembles its frames", async () => {
    await using a = new PeerConnection({ interfaces: "loopback" });
    await using b = new PeerConnection({ interfaces: "loopback" });
    trickle(a, b);
    const t = a.addTransceiver("video", { direction: "sendonly" });
    t.setCodecPreferences([{ mimeType: "video/H264" }]);
    const received = frames(b, 3);
    await negotiate(a, b);
    await Promise.all([waitForState(a, "connected"), waitForState(b, "connected")]);
    // The camera's own stream: its SSRC, payload type 96, its sequence numbers, a 1000-byte MTU.
    const camera = new RtpPacketizer({
      payloader: new H264Payloader(),
      ssrc: 0xdeadbeef,
      payloadType: 96,
      mtu: 1000,
      sequenceNumber: 65530,
    });
    const sent = [0, 1, 2].map((i) => h264Idr(4000, 0x20 + i));
    for (let round = 0; round < 20; round++) {
      for (const [i, frame] of sent.entries()) {
        for (const p of camera.packetize(frame, (round * 3 + i) * 3000))
          expect(t.sender.sendRtp(p)).toBe(true);
      }
      const done = await Promise.race([
        received.then(() => true),
        new Promise((r) => setTimeout(() => r(false), 50)),
      ]);
      if (done) break;
    }
    const got = await received;
    for (const f of got) expect(sent.some((s) => Buffer.from(s).equals(Buffer.from(f.data)))).toBe(true);
    const inbound = [...(await b.getStats()).values()].find((s) => s.type === "inbound-rtp")!;
    expect(inbound.ssrc).toBe(t.sender.ssrc);
    expect(b.getReceivers()[0]!.getParameters().codecs[0]!.payloadType).toBe(102);
  });
});
