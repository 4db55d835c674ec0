import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ffmpeg, ffprobe, tempDir } from "@purertc/interop/ffmpeg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type IvfFrame,
  ivfFileHeader,
  ivfFrame,
  OggOpusWriter,
  OpusDepacketizer,
  OpusPayloader,
  opusPacketSamples,
  parseIvf,
  parseOgg,
  parseRtpPacket,
  parseVp8Descriptor,
  parseVp8FrameHeader,
  RtpError,
  RtpPacketizer,
  Vp8Depacketizer,
  type Vp8Frame,
  Vp8Payloader,
} from "../index.js";
import { hex } from "../test-vectors.test-helper.js";

let tmp: ReturnType<typeof tempDir>;
let frames: IvfFrame[];

beforeAll(() => {
  tmp = tempDir("purertc-rtp-");
  const ivf = ffmpeg(
    [
      "-f",
      "lavfi",
      "-i",
      "testsrc=size=320x240:rate=30",
      "-frames:v",
      "45",
      "-c:v",
      "libvpx",
      "-deadline",
      "realtime",
      "-g",
      "15",
      "-b:v",
      "2M",
    ],
    join(tmp.dir, "in.ivf"),
  );
  frames = parseIvf(ivf).frames;
});
afterAll(() => tmp.remove());

function packetizeAll(list: readonly IvfFrame[], mtu = 1200) {
  const packetizer = new RtpPacketizer({
    payloader: new Vp8Payloader({ initialPictureId: 0x7ffe }),
    ssrc: 7,
    payloadType: 96,
    mtu,
    sequenceNumber: 65500,
  });
  return list.flatMap((f) => packetizer.packetize(f.data, f.timestamp * 3000));
}

describe("VP8 over RTP with a real libvpx stream (RFC 7741)", () => {
  it("packetize then depacketize gives back the exact frames; ffprobe reads the IVF we wrote", () => {
    expect(frames).toHaveLength(45);
    const packets = packetizeAll(frames);
    expect(packets.length).toBeGreaterThan(45); // key frames span several packets
    for (const p of packets) expect(p.length).toBeLessThanOrEqual(1200);
    const depacketizer = new Vp8Depacketizer();
    const out: Vp8Frame[] = packets.flatMap((p) => depacketizer.push(parseRtpPacket(p)));
    expect(out).toHaveLength(45);
    out.forEach((f, i) => {
      expect(f.data).toEqual(frames[i]!.data);
      expect(f.timestamp).toBe(frames[i]!.timestamp * 3000);
      expect(f.keyframe).toBe(i % 15 === 0);
      expect(f.pictureId).toBe((0x7ffe + i) & 0x7fff); // 15-bit picture ID wraps
      if (f.keyframe) expect([f.width, f.height]).toEqual([320, 240]);
    });
    const file = join(tmp.dir, "out.ivf");
    writeFileSync(
      file,
      Buffer.concat([
        ivfFileHeader({
          fourcc: "VP80",
          width: 320,
          height: 240,
          timebaseDenominator: 30,
          timebaseNumerator: 1,
          frameCount: out.length,
        }),
        ...out.map((f) => ivfFrame({ timestamp: f.timestamp / 3000, data: f.data })),
      ]),
    );
    expect(ffprobe(file)).toEqual({ codec: "vp8", width: 320, height: 240, frames: 45 });
  });

  it("drops a frame with a lost packet and asks for a key frame until the next one", () => {
    const packets = packetizeAll(frames).map((p) => parseRtpPacket(p));
    const victim = packets.findIndex((p) => p.timestamp === 0 && !parseVp8Descriptor(p.payload).start);
    const depacketizer = new Vp8Depacketizer();
    const out = packets.filter((_, i) => i !== victim).flatMap((p) => depacketizer.push(p));
    expect(out).toHaveLength(44);
    expect(depacketizer.stats).toMatchObject({ packetsLost: 1, framesDropped: 1 });
    expect(depacketizer.keyframeNeeded).toBe(false);
    // With waitForKeyframeAfterLoss the frames that referenced the lost key frame go too, up to the next one.
    const strict = new Vp8Depacketizer({ waitForKeyframeAfterLoss: true });
    const kept = packets.filter((_, i) => i !== victim).flatMap((p) => strict.push(p));
    expect(kept).toHaveLength(30);
    expect(kept[0]!.keyframe).toBe(true);
  });

  it("reads every extended descriptor field (RFC 7741 §4.2) and refuses truncated ones", () => {
    // X I L T K; M=1 picture ID 0x1234; TL0PICIDX 5; TID 2 Y KEYIDX 3
    const d = parseVp8Descriptor(hex("b0 f0 9234 05 a3 ff"));
    expect(d).toMatchObject({
      start: true,
      nonReference: true,
      partitionIndex: 0,
      pictureId: 0x1234,
      pictureIdLong: true,
      tl0PicIdx: 5,
      temporalLayer: 2,
      layerSync: true,
      keyIndex: 3,
      length: 6,
    });
    expect(parseVp8Descriptor(hex("90 80 05 ff"))).toMatchObject({
      pictureId: 5,
      pictureIdLong: false,
      length: 3,
    });
    for (const bad of ["", "90", "90 80", "b0 f0 92 34 05 a3"])
      expect(() => parseVp8Descriptor(hex(bad))).toThrow(RtpError);
    expect(() => parseVp8FrameHeader(hex("00 00 00 9d 01 2b 40 01 f0 00"))).toThrow(RtpError);
  });
});

describe("Opus over RTP (RFC 7587)", () => {
  it("carries each Opus packet in one RTP packet, counts loss and reads durations from the TOC", () => {
    const packets = [hex("fc ff fe"), hex("78 01 02 03"), hex("03 02 aa bb")]; // TOC configs 31 and 15, code 3
    const packetizer = new RtpPacketizer({
      payloader: new OpusPayloader(),
      ssrc: 1,
      payloadType: 111,
      sequenceNumber: 0,
    });
    const rtp = packets.flatMap((p, i) => packetizer.packetize(p, i * 960));
    expect(rtp.map((p) => parseRtpPacket(p).marker)).toEqual([true, false, false]); // talkspurt start only
    const depacketizer = new OpusDepacketizer();
    const out = rtp.filter((_, i) => i !== 1).flatMap((p) => depacketizer.push(parseRtpPacket(p)));
    expect(out.map((f) => f.data)).toEqual([packets[0], packets[2]]); // copies, as Uint8Array
    expect(depacketizer.stats.packetsLost).toBe(1);
    expect(opusPacketSamples(packets[0]!)).toBe(960);
    expect(opusPacketSamples(packets[1]!)).toBe(960);
    expect(opusPacketSamples(packets[2]!)).toBe(2 * 480);
    expect(() => new OpusPayloader().payload(new Uint8Array(2000), 1188)).toThrow(RtpError);
  });

  it("a real libopus stream (Ogg from ffmpeg) goes through RTP and back into an Ogg Opus file ffprobe reads", () => {
    const ogg = ffmpeg(
      [
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=1",
        "-c:a",
        "libopus",
        "-b:a",
        "32k",
        "-page_duration",
        "20000",
      ],
      join(tmp.dir, "in.ogg"),
    );
    const packets = parseOgg(ogg);
    expect(new TextDecoder().decode(packets[0]!.data.subarray(0, 8))).toBe("OpusHead");
    expect(new TextDecoder().decode(packets[1]!.data.subarray(0, 8))).toBe("OpusTags");
    const audio = packets.slice(2).map((p) => p.data);
    expect(audio.length).toBeGreaterThanOrEqual(50);
    const packetizer = new RtpPacketizer({ payloader: new OpusPayloader(), ssrc: 9, payloadType: 111 });
    let ts = 0;
    const rtp = audio.flatMap((p) => {
      const out = packetizer.packetize(p, ts);
      ts += opusPacketSamples(p);
      return out;
    });
    const depacketizer = new OpusDepacketizer();
    const frames = rtp.flatMap((p) => depacketizer.push(parseRtpPacket(p)));
    expect(frames.map((f) => f.data)).toEqual(audio.map((a) => new Uint8Array(a)));
    const writer = new OggOpusWriter({ channels: 1, preSkip: 312 });
    const file = join(tmp.dir, "out.ogg");
    writeFileSync(
      file,
      Buffer.concat([writer.headers(), ...frames.map((f) => writer.packet(f.data)), writer.end()]),
    );
    expect(ffprobe(file)).toMatchObject({ codec: "opus", frames: audio.length });
    expect(
      parseOgg(new Uint8Array(readFileSync(file)))
        .slice(2)
        .map((p) => p.data),
    ).toEqual(frames.map((f) => f.data));
  });
});
