import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ffprobe, makeTestH264, tempDir, testH264Args, testVp8Args } from "@purertc/interop/ffmpeg";
import { type ManagedSocket, SocketRegistry } from "@purertc/socket";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  H264Depacketizer,
  type H264Frame,
  H264Payloader,
  ivfFileHeader,
  ivfFrame,
  OggOpusWriter,
  OpusDepacketizer,
  opusPacketSamples,
  parseH264Fmtp,
  parseRtcp,
  parseRtpPacket,
  type RtcpPacket,
  type RtpPacket,
  RtpPacketizer,
  splitH264AccessUnits,
  Vp8Depacketizer,
  type Vp8Frame,
} from "./index.js";

// ffmpeg as the real peer, over UDP on loopback: its RTP muxer sends us H.264, VP8 and Opus with its RTCP, and its
// RTP demuxer receives the H.264 we packetize.

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir("purertc-rtp-");
});
afterAll(() => tmp.remove());

interface Capture {
  rtp: RtpPacket[];
  rtcp: RtcpPacket[];
  sdp: string;
}

/** Opens an RTP and an RTCP socket, runs ffmpeg sending to them, and collects what arrived. */
async function receiveFromFfmpeg(input: string[], name: string): Promise<Capture> {
  const owner = {};
  const rtpSocket: ManagedSocket = await SocketRegistry.default.open(owner, {
    label: "ffmpeg-rtp",
    address: "127.0.0.1",
  });
  const rtcpSocket: ManagedSocket = await SocketRegistry.default.open(owner, {
    label: "ffmpeg-rtcp",
    address: "127.0.0.1",
  });
  const capture: Capture = { rtp: [], rtcp: [], sdp: "" };
  rtpSocket.on("message", (data) => capture.rtp.push(parseRtpPacket(new Uint8Array(data))));
  rtcpSocket.on("message", (data) => capture.rtcp.push(...parseRtcp(new Uint8Array(data))));
  try {
    const sdpFile = join(tmp.dir, `${name}.sdp`);
    const url = `rtp://127.0.0.1:${rtpSocket.address().port}?rtcpport=${rtcpSocket.address().port}&pkt_size=1200`;
    const r = spawnSync(
      "ffmpeg",
      ["-hide_banner", "-loglevel", "error", "-y", ...input, "-f", "rtp", "-sdp_file", sdpFile, url],
      {
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the last datagrams
    capture.sdp = readFileSync(sdpFile, "utf8");
  } finally {
    await rtpSocket.close();
    await rtcpSocket.close();
  }
  return capture;
}

const inOrder = (packets: RtpPacket[]) => {
  for (let i = 1; i < packets.length; i++)
    expect(packets[i]!.sequenceNumber).toBe((packets[i - 1]!.sequenceNumber + 1) & 0xffff);
};

describe("ffmpeg sends, we receive", () => {
  it("H.264 (libx264 through ffmpeg's RTP muxer): 30 access units, Annex-B that ffprobe reads; its SR parsed", async () => {
    const c = await receiveFromFfmpeg(testH264Args({ frames: 30 }), "h264");
    inOrder(c.rtp);
    const fmtp = parseH264Fmtp(/a=fmtp:\d+ (.*)/.exec(c.sdp)?.[1] ?? "");
    expect(fmtp.packetizationMode).toBe(1);
    const depacketizer = new H264Depacketizer({ parameterSets: fmtp.parameterSets });
    const frames: H264Frame[] = c.rtp.flatMap((p) => depacketizer.push(p));
    expect(frames).toHaveLength(30);
    expect(frames.every((f) => f.complete)).toBe(true);
    expect(frames.filter((f) => f.keyframe)).toHaveLength(2);
    expect(depacketizer.currentSps).toMatchObject({ width: 320, height: 240 });
    const out = join(tmp.dir, "from-ffmpeg.h264");
    writeFileSync(out, Buffer.concat(frames.map((f) => f.data)));
    expect(ffprobe(out)).toEqual({ codec: "h264", width: 320, height: 240, frames: 30 });
    const sr = c.rtcp.find((p) => p.type === "sr");
    expect(sr).toMatchObject({ type: "sr", ssrc: c.rtp[0]!.ssrc });
  });

  it("H.264 with ffmpeg's packets lost: damaged and orphaned frames dropped, a key frame asked for, the rest decodes", async () => {
    const c = await receiveFromFfmpeg(testH264Args({ frames: 60 }), "h264-lossy");
    const fmtp = parseH264Fmtp(/a=fmtp:\d+ (.*)/.exec(c.sdp)?.[1] ?? "");
    const depacketizer = new H264Depacketizer({
      parameterSets: fmtp.parameterSets,
      waitForKeyframeAfterLoss: true,
    });
    // A fragment of the first IDR (packet 2: ffmpeg sends SPS/PPS in a STAP-A, then FU-As) and a P frame later.
    const lost = (i: number) => i === 2 || i === 30;
    let needed = false;
    const frames: H264Frame[] = [];
    c.rtp.forEach((p, i) => {
      if (lost(i)) return;
      frames.push(...depacketizer.push(p));
      needed ||= depacketizer.keyframeNeeded;
    });
    expect(depacketizer.stats.packetsLost).toBe(2);
    expect(depacketizer.stats.framesDropped).toBeGreaterThan(2); // the IDR, then what referenced it
    expect(needed).toBe(true);
    expect(frames[0]!.keyframe).toBe(true);
    expect(frames[0]!.timestamp).not.toBe(c.rtp[0]!.timestamp);
    expect(frames.length).toBeLessThan(60 - 15);
    expect(frames.every((f) => f.complete)).toBe(true);
    const out = join(tmp.dir, "lossy.h264");
    writeFileSync(out, Buffer.concat(frames.map((f) => f.data)));
    // Every frame written decodes: nothing in the file references a lost frame.
    expect(ffprobe(out)).toMatchObject({ codec: "h264", width: 320, height: 240, frames: frames.length });
  });

  it("VP8 (libvpx through ffmpeg's RTP muxer): 30 frames, an IVF that ffprobe reads", async () => {
    const c = await receiveFromFfmpeg([...testVp8Args({ frames: 30 }), "-b:v", "1M"], "vp8");
    inOrder(c.rtp);
    const depacketizer = new Vp8Depacketizer();
    const frames: Vp8Frame[] = c.rtp.flatMap((p) => depacketizer.push(p));
    expect(frames).toHaveLength(30);
    expect(frames[0]).toMatchObject({ keyframe: true, width: 320, height: 240 });
    const out = join(tmp.dir, "from-ffmpeg.ivf");
    const base = frames[0]!.timestamp;
    writeFileSync(
      out,
      Buffer.concat([
        ivfFileHeader({
          fourcc: "VP80",
          width: 320,
          height: 240,
          timebaseDenominator: 90000,
          timebaseNumerator: 1,
          frameCount: 30,
        }),
        ...frames.map((f) => ivfFrame({ timestamp: (f.timestamp - base) >>> 0, data: f.data })),
      ]),
    );
    expect(ffprobe(out)).toEqual({ codec: "vp8", width: 320, height: 240, frames: 30 });
  });

  it("Opus (libopus through ffmpeg's RTP muxer): one packet per 20 ms, one second of audio", async () => {
    const c = await receiveFromFfmpeg(
      ["-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "libopus", "-b:a", "32k"],
      "opus",
    );
    inOrder(c.rtp);
    expect(c.sdp).toMatch(/a=rtpmap:\d+ opus\/48000\/2/);
    const depacketizer = new OpusDepacketizer();
    const frames = c.rtp.flatMap((p) => depacketizer.push(p));
    const samples = frames.reduce((n, f) => n + opusPacketSamples(f.data), 0);
    expect(samples).toBeGreaterThanOrEqual(48000);
    expect(samples).toBeLessThan(48000 + 3 * 960);
    expect(frames[1]!.timestamp - frames[0]!.timestamp).toBe(opusPacketSamples(frames[0]!.data));
    const writer = new OggOpusWriter();
    const out = join(tmp.dir, "from-ffmpeg.ogg");
    writeFileSync(
      out,
      Buffer.concat([writer.headers(), ...frames.map((f) => writer.packet(f.data)), writer.end()]),
    );
    expect(ffprobe(out)).toMatchObject({ codec: "opus", frames: frames.length });
  });
});

/** An even port p with p and p + 1 both free on 127.0.0.1 (checked by binding both, then released). */
async function freeRtpPortPair(owner: object): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const probe = await SocketRegistry.default.open(owner, { label: "port-probe", address: "127.0.0.1" });
    const port = probe.address().port & ~1;
    await probe.close();
    const pair = await Promise.allSettled(
      [port, port + 1].map((p) =>
        SocketRegistry.default.open(owner, { label: "port-pair", address: "127.0.0.1", port: p }),
      ),
    );
    for (const r of pair) if (r.status === "fulfilled") await r.value.close();
    if (pair.every((r) => r.status === "fulfilled")) return port;
  }
  throw new Error("no free even/odd UDP port pair on 127.0.0.1 in 20 tries");
}

describe("we send, ffmpeg receives", () => {
  it("ffmpeg's RTP demuxer reassembles our H.264 packets into a stream ffprobe reads at the right size", async () => {
    const units = splitH264AccessUnits(
      makeTestH264(join(tmp.dir, "in-320x240.h264"), { size: "320x240", frames: 30, gop: 15 }),
    );
    const owner = {};
    const socket = await SocketRegistry.default.open(owner, { label: "to-ffmpeg", address: "127.0.0.1" });
    // ffmpeg binds the port of the SDP and the next one (RTCP): find an even port with both free (bounded),
    // then free them. Rounding one free port down to even raced with other tests ("bind failed").
    const port = await freeRtpPortPair(owner);
    const sdp = join(tmp.dir, "to-ffmpeg.sdp");
    writeFileSync(
      sdp,
      `v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=purertc\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video ${port} RTP/AVP 102\r\n` +
        "a=rtpmap:102 H264/90000\r\na=fmtp:102 packetization-mode=1\r\n",
    );
    const out = join(tmp.dir, "by-ffmpeg.h264");
    const child = spawn(
      "ffmpeg",
      [
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-protocol_whitelist",
        "file,udp,rtp",
        "-analyzeduration",
        "500000",
        "-probesize",
        "65536",
        "-i",
        sdp,
        "-c",
        "copy",
        "-t",
        "1",
        "-f",
        "h264",
        out,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    let exitCode: number | null | undefined;
    const exited = new Promise<void>((resolve) =>
      child.on("exit", (code) => {
        exitCode = code;
        resolve();
      }),
    );
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    try {
      const packetizer = new RtpPacketizer({
        payloader: new H264Payloader(),
        ssrc: 0x5eed,
        payloadType: 102,
      });
      // Sent looped at 30 fps until ffmpeg has written its 1 s (-t 1) and exits; it starts at a key frame once it
      // is listening. At most 10 s.
      for (let i = 0; i < 300 && exitCode === undefined; i++) {
        for (const p of packetizer.packetize(units[i % 30]!, i * 3000)) socket.send(p, port, "127.0.0.1");
        await new Promise((resolve) => setTimeout(resolve, 33));
      }
    } finally {
      if (exitCode === undefined) child.kill("SIGKILL");
      await exited;
      clearTimeout(timer);
      await socket.close();
    }
    // ffmpeg's own words when it fails (seen once under load: exit 1).
    expect(exitCode, `ffmpeg: ${stderr}`).toBe(0);
    expect(stderr).not.toMatch(/error while decoding|Invalid/i);
    const probe2 = ffprobe(out);
    expect(probe2).toMatchObject({ codec: "h264", width: 320, height: 240 });
    expect(probe2.frames).toBeGreaterThanOrEqual(25);
  });
});
