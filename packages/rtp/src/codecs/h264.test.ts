import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ffprobe, makeTestH264, tempDir } from "@purertc/interop/ffmpeg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  formatSpropParameterSets,
  H264Depacketizer,
  type H264Frame,
  H264Payloader,
  joinAnnexB,
  parseH264Fmtp,
  parseH264Sps,
  parseRtpPacket,
  parseSpropParameterSets,
  RtpError,
  RtpPacketizer,
  splitAnnexB,
  splitH264AccessUnits,
} from "../index.js";
import { hex } from "../test-vectors.test-helper.js";

const nalTypes = (nalus: readonly Uint8Array[]) => nalus.map((n) => n[0]! & 0x1f);

let tmp: ReturnType<typeof tempDir>;
let stream: Uint8Array;
let units: Uint8Array[][];

beforeAll(() => {
  tmp = tempDir("purertc-rtp-");
  stream = makeTestH264(join(tmp.dir, "in-320x240.h264"), { size: "320x240", frames: 45, gop: 15 });
  units = splitH264AccessUnits(stream);
});
afterAll(() => tmp.remove());

function packetizeAll(aus: readonly (readonly Uint8Array[])[], mtu = 1200) {
  const packetizer = new RtpPacketizer({
    payloader: new H264Payloader(),
    ssrc: 0x1234,
    payloadType: 102,
    mtu,
    sequenceNumber: 65530,
  });
  return aus.flatMap((au, i) => packetizer.packetize(au, i * 3000));
}

function depacketizeAll(packets: Uint8Array[], depacketizer = new H264Depacketizer()): H264Frame[] {
  return [...packets.flatMap((p) => depacketizer.push(parseRtpPacket(p))), ...depacketizer.flush()];
}

describe("H.264 over RTP with a real x264 stream (RFC 6184)", () => {
  it("splits the ffmpeg stream into 45 access units, IDR every 15, each IDR with SPS and PPS", () => {
    expect(units).toHaveLength(45);
    for (let i = 0; i < 45; i += 15) expect(nalTypes(units[i]!)).toEqual(expect.arrayContaining([7, 8, 5]));
    expect(new Set(nalTypes(units[1]!))).toEqual(new Set([1])); // x264 zerolatency: several slices
  });

  it("packetize then depacketize gives back the exact access units; ffprobe reads what we wrote", () => {
    const packets = packetizeAll(units);
    for (const p of packets) expect(p.length).toBeLessThanOrEqual(1200);
    const parsed = packets.map((p) => parseRtpPacket(p));
    expect(parsed.some((p) => (p.payload[0]! & 0x1f) === 28)).toBe(true); // FU-A used
    expect(parsed.some((p) => (p.payload[0]! & 0x1f) === 24)).toBe(true); // STAP-A used (SPS + PPS)
    expect(parsed.filter((p) => p.marker)).toHaveLength(45);
    const frames = depacketizeAll(packets);
    expect(frames).toHaveLength(45);
    frames.forEach((f, i) => {
      expect(f.complete).toBe(true);
      expect(f.timestamp).toBe(i * 3000);
      expect(f.keyframe).toBe(i % 15 === 0);
      expect(f.nalus.map((n) => Buffer.from(n).toString("hex"))).toEqual(
        units[i]!.map((n) => Buffer.from(n).toString("hex")),
      );
      expect(f.data).toEqual(joinAnnexB(units[i]!));
      if (f.keyframe) expect(f.sps).toMatchObject({ width: 320, height: 240, profileIdc: 66 });
    });
    const out = join(tmp.dir, "out.h264");
    writeFileSync(out, Buffer.concat(frames.map((f) => f.data)));
    expect(ffprobe(out)).toEqual({ codec: "h264", width: 320, height: 240, frames: 45 });
  });

  it("sends SPS/PPS ahead of an IDR that lacks them, and the receiver can start there", () => {
    const stripped = units.map((au, i) =>
      i === 0 ? au : au.filter((n) => (n[0]! & 0x1f) !== 7 && (n[0]! & 0x1f) !== 8),
    );
    const packets = packetizeAll(stripped);
    // A receiver that joins at the second IDR (frame 15) still gets the parameter sets.
    const late = packets.filter((p) => parseRtpPacket(p).timestamp >= 15 * 3000);
    const frames = depacketizeAll(late, new H264Depacketizer({ waitForKeyframe: true }));
    expect(frames).toHaveLength(30);
    expect(nalTypes(frames[0]!.nalus).slice(0, 2)).toEqual([7, 8]);
    expect(frames[0]!.sps).toMatchObject({ width: 320, height: 240 });
  });

  it("reports loss: a lost FU-A fragment drops its frame and asks for a key frame until the next IDR", () => {
    const packets = packetizeAll(units);
    // Drop a middle fragment of the first IDR (many FU-A packets).
    const inFrame0 = packets
      .map((p, i) => [parseRtpPacket(p), i] as const)
      .filter(([p]) => p.timestamp === 0);
    expect(inFrame0.length).toBeGreaterThan(3);
    const victim = inFrame0[Math.floor(inFrame0.length / 2)]![1];
    const depacketizer = new H264Depacketizer();
    const frames: H264Frame[] = [];
    const needAt: boolean[] = [];
    packets.forEach((p, i) => {
      if (i === victim) return;
      frames.push(...depacketizer.push(parseRtpPacket(p)));
      needAt.push(depacketizer.keyframeNeeded);
    });
    expect(frames.map((f) => f.timestamp / 3000)).not.toContain(0);
    expect(frames).toHaveLength(44);
    expect(depacketizer.stats).toMatchObject({ packetsLost: 1, framesDropped: 1, frames: 44 });
    expect(needAt[victim]).toBe(true); // from the loss until frame 15, the next IDR
    expect(needAt.at(-1)).toBe(false);
  });

  it("returns damaged frames when asked, and a lost marker packet is closed by the next timestamp", () => {
    const packets = packetizeAll(units.slice(0, 3));
    const parsed = packets.map((p) => parseRtpPacket(p));
    const lastOfFirst = parsed.findIndex((p) => p.marker);
    const depacketizer = new H264Depacketizer({ dropIncomplete: false });
    const frames = parsed.filter((_, i) => i !== lastOfFirst).flatMap((p) => depacketizer.push(p));
    expect(frames.map((f) => [f.timestamp, f.complete])).toEqual([
      [0, false],
      [3000, true],
      [6000, true],
    ]);
  });

  it("ignores duplicates, counts malformed payloads and refuses nothing by throwing", () => {
    const depacketizer = new H264Depacketizer();
    const packets = packetizeAll(units.slice(1, 3)).map((p) => parseRtpPacket(p));
    expect(depacketizer.push(packets[0]!)).toHaveLength(1);
    expect(depacketizer.push(packets[0]!)).toHaveLength(0);
    const bad = { ...packets[1]!, payload: hex("18 00ff 65") }; // STAP-A whose size overruns
    expect(depacketizer.push(bad)).toHaveLength(0);
    expect(depacketizer.stats).toMatchObject({ packetsDiscarded: 1, packetsMalformed: 1, framesDropped: 1 });
  });

  it("starts over when the source restarts far behind (a reconnected camera), not dropping it as late", () => {
    const first = packetizeAll(units.slice(0, 16)).map((p) => parseRtpPacket(p));
    const depacketizer = new H264Depacketizer();
    for (const p of first) depacketizer.push(p);
    // The same stream again, numbered from 5,000 behind where the first one ended.
    const restarted = first.map((p, i) => ({
      ...p,
      sequenceNumber: (first.at(-1)!.sequenceNumber - 5000 + i) & 0xffff,
    }));
    const frames = restarted.flatMap((p) => depacketizer.push(p));
    expect(frames).toHaveLength(16);
    expect(depacketizer.stats.packetsDiscarded).toBe(0);
  });

  it("skips padding-only packets (bandwidth probes) without damaging the frame around them", () => {
    const packets = packetizeAll(units.slice(0, 2)).map((p) => parseRtpPacket(p));
    // Renumber with a padding-only packet inside the first access unit.
    const probe = { ...packets[1]!, payload: new Uint8Array(0), paddingLength: 200, marker: false };
    const stream = [packets[0]!, probe, ...packets.slice(1)].map((p, i) => ({ ...p, sequenceNumber: i }));
    const depacketizer = new H264Depacketizer();
    const frames = stream.flatMap((p) => depacketizer.push(p));
    expect(frames.map((f) => f.complete)).toEqual([true, true]);
    expect(frames[0]!.nalus).toEqual(units[0]);
    expect(depacketizer.stats).toMatchObject({ packetsLost: 0, packetsMalformed: 0 });
  });
});

describe("H.264 parameter sets", () => {
  it("parses sprop-parameter-sets and the SPS width/height (GStreamer-style fmtp)", () => {
    const ps = units[0]!.filter((n) => (n[0]! & 0x1f) === 7 || (n[0]! & 0x1f) === 8);
    const sprop = formatSpropParameterSets(ps);
    const fmtp = parseH264Fmtp(`packetization-mode=1;profile-level-id=42C00D;sprop-parameter-sets=${sprop}`);
    expect(fmtp.packetizationMode).toBe(1);
    expect(fmtp.profileLevelId).toBe("42c00d");
    expect(fmtp.parameterSets).toEqual(ps);
    const sps = parseH264Sps(fmtp.parameterSets[0]!);
    expect(sps).toMatchObject({ width: 320, height: 240, profileIdc: 66 });
    expect(() => parseSpropParameterSets("Z0I*,aM4")).toThrow(RtpError);
  });

  it("parses SPS with cropping and High-profile fields (1080p, 4:2:0, from x264)", () => {
    const t = tempDir("purertc-rtp-");
    try {
      const s = makeTestH264(join(t.dir, "in-1920x1080.h264"), {
        size: "1920x1080",
        frames: 1,
        gop: 1,
      }).slice(); // 1080 is not a multiple of 16: cropped
      const sps = splitAnnexB(s).find((n) => (n[0]! & 0x1f) === 7)!;
      expect(parseH264Sps(sps)).toMatchObject({ width: 1920, height: 1080 });
    } finally {
      t.remove();
    }
  });

  it("refuses a truncated SPS with ERR_BAD_BITSTREAM", () => {
    const sps = units[0]!.find((n) => (n[0]! & 0x1f) === 7)!;
    for (let cut = 0; cut < sps.length - 1; cut++) {
      try {
        parseH264Sps(sps.subarray(0, cut));
      } catch (error) {
        expect(error).toBeInstanceOf(RtpError);
      }
    }
  });
});
