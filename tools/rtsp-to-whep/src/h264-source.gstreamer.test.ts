import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireGstreamerRtsp, startGstreamerRtsp } from "@purertc/interop/gstreamer-rtsp";
import { requirePeer } from "@purertc/interop/peers";
import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { RtspClient } from "./client.js";
import { type AccessUnit, H264Source, type SourceInfo } from "./h264-source.js";

// Under CI=true a missing peer throws here, failing the file: never a silent skip.
const camera = requireGstreamerRtsp();
const ffprobe = requirePeer("/usr/bin/ffprobe", "ffmpeg");

async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const nalTypes = (annexB: Uint8Array) => {
  const types: number[] = [];
  for (let i = 0; i + 4 < annexB.length; i++)
    if (annexB[i] === 0 && annexB[i + 1] === 0 && annexB[i + 2] === 0 && annexB[i + 3] === 1)
      types.push(annexB[i + 4]! & 0x1f);
  return types;
};

describe.skipIf(!camera.available || !ffprobe.available)("H.264 access units from GStreamer's camera", () => {
  for (const transport of ["tcp", "udp"] as const) {
    it(`${transport}: SPS gives 640x360; IDRs carry SPS+PPS; ffprobe decodes what we reassembled, frame for frame`, async () => {
      await using cam = await startGstreamerRtsp();
      const dir = mkdtempSync(join(tmpdir(), "purertc-rtsp-au-"));
      try {
        await withLeakCheck(async () => {
          const client = new RtspClient(cam.url, { transport });
          const source = new H264Source(client);
          const infos: SourceInfo[] = [];
          source.on("source", (info) => infos.push(info));
          const units: AccessUnit[] = [];
          source.on("accessUnit", (unit) => {
            // From the first IDR on: a decoder needs one to start.
            if (units.length > 0 || unit.keyframe) units.push(unit);
          });
          await client.start();
          expect(infos[0]).toEqual({ codec: "H264", width: 640, height: 360, profileLevelId: "42c01e" });
          // key-int-max=60 at 30 fps: an IDR every 2 s at most; then 30 more access units.
          await until(() => units.length >= 31, 6000, "an IDR and 30 more access units");
          expect(source.depacketizerStats?.packetsLost).toBe(0);
          source.close();
          await client.close();
          expect(source.stats.badPackets).toBe(0);
          // An access unit delimiter (9) may come first (x264 writes one); then SPS and PPS, then the IDR.
          const types = nalTypes(units[0]!.data).filter((t) => t !== 9);
          expect(types.slice(0, 2)).toEqual([7, 8]);
          expect(types).toContain(5);
          // 90 kHz at 30 fps: 3000 ticks between access units.
          expect((units[1]!.timestamp - units[0]!.timestamp) >>> 0).toBe(3000);
          const file = join(dir, "out.h264");
          writeFileSync(file, Buffer.concat(units.map((u) => u.data)));
          const probe = execFileSync(
            "/usr/bin/ffprobe",
            [
              "-v",
              "error",
              "-count_frames",
              "-show_entries",
              "stream=codec_name,width,height,nb_read_frames",
              "-of",
              "json",
              file,
            ],
            { timeout: 20_000, stdio: ["ignore", "pipe", "pipe"] },
          ).toString();
          const stream = JSON.parse(probe).streams[0];
          expect(stream).toMatchObject({ codec_name: "h264", width: 640, height: 360 });
          // rtph264pay (config-interval=-1) repeats SPS and PPS before every IDR slice, and x264's
          // zerolatency pictures have several slices: ffmpeg's parser starts a new packet at an SPS that
          // follows a slice, so it counts one more per such SPS. Every other boundary must match ours.
          const splits = units
            .map((u) => nalTypes(u.data))
            .reduce(
              (n, t) => n + t.filter((type, i) => (type === 1 || type === 5) && t[i + 1] === 7).length,
              0,
            );
          expect(Number(stream.nb_read_frames)).toBe(units.length + splits);
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it("a restarted camera: a new source event and access units again through the same H264Source", async () => {
    await using cam = await startGstreamerRtsp();
    const client = new RtspClient(cam.url, { initialBackoffMs: 100, maxBackoffMs: 200 });
    const source = new H264Source(client);
    let infos = 0;
    let units = 0;
    source.on("source", () => infos++);
    source.on("accessUnit", () => units++);
    try {
      await client.start();
      await until(() => units >= 10, 5000, "access units");
      await cam.kill();
      await until(() => client.state !== "playing", 6000, "the loss");
      await cam.restart();
      await until(() => client.state === "playing", 6000, "playing again");
      const before = units;
      await until(() => units >= before + 30, 6000, "access units after the restart");
      expect(infos).toBe(2);
    } finally {
      source.close();
      await client.close();
    }
  }, 30_000);
});
