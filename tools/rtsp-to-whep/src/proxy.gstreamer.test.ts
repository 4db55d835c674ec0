import { requireGstreamerRtsp, startGstreamerRtsp } from "@purertc/interop/gstreamer-rtsp";
import type { EncodedFrame } from "@purertc/peerconnection";
import { parseH264Sps, splitAnnexB } from "@purertc/rtp";
import { SocketRegistry } from "@purertc/socket";
import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { RtspToWhepProxy } from "./proxy.js";
import type { ViewerEvent } from "./whep/peer-connection-factory.js";
import { WhepViewer } from "./whep/viewer.js";

// Under CI=true a missing GStreamer throws here, failing the file: never a silent skip.
const peer = requireGstreamerRtsp();

async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The picture size of the SPS an H.264 key frame carries. */
function spsSize(frame: EncodedFrame): { width: number; height: number } {
  const sps = splitAnnexB(frame.data).find((nal) => (nal[0]! & 0x1f) === 7);
  if (!sps) throw new Error("key frame without an SPS ahead of its IDR");
  const { width, height } = parseH264Sps(sps);
  return { width, height };
}

/** Starts on a key frame with SPS 640x360; 30 fps timestamps (a frame lost on the shared machine's loopback widens a step, never reverses one). */
function expectCameraStream(got: readonly EncodedFrame[]): void {
  expect(got[0]!.keyframe).toBe(true);
  expect(spsSize(got[0]!)).toEqual({ width: 640, height: 360 });
  for (let i = 1; i < got.length; i++) {
    const step = (got[i]!.timestamp - got[i - 1]!.timestamp) >>> 0;
    expect(step > 0 && step % 3000 === 0 && step <= 30 * 3000, `timestamp step ${step}`).toBe(true);
  }
}

describe.skipIf(!peer.available)("RtspToWhepProxy: GStreamer's camera to purertc WHEP viewers", () => {
  it("viewers (one late) get H.264 frames starting on a key frame with SPS 640x360, each unit packetized once; DELETE and close remove them", async () => {
    await using camera = await startGstreamerRtsp();
    await withLeakCheck(async () => {
      const events: ViewerEvent[] = [];
      const proxy = await RtspToWhepProxy.start({ rtspUrl: camera.url });
      proxy.on("viewer", (event) => events.push(event));
      const frames: EncodedFrame[][] = [[], [], []];
      const viewers: WhepViewer[] = [];
      const join = async (i: number) => {
        const viewer = await WhepViewer.connect(proxy.whepUrl, { onFrame: (f) => frames[i]!.push(f) });
        viewers.push(viewer);
        return viewer;
      };
      try {
        const early = await Promise.all([join(0), join(1)]);
        await until(() => frames[0]!.length >= 45 && frames[1]!.length >= 45, 15_000, "45 frames per viewer");
        // Late: the cached GOP starts it on the latest key frame, not the next one.
        const late = await join(2);
        await until(() => frames[2]!.length >= 10, 10_000, "the late viewer's frames");
        for (const got of frames) expectCameraStream(got);
        const stats = proxy.stats();
        expect(stats.viewers).toBe(3);
        // Packetized once per access unit, whatever the number of viewers.
        expect(proxy.factory.totals.packetized).toBeLessThanOrEqual(stats.framesIn);
        expect(stats.framesOut).toBeGreaterThan(stats.framesIn);
        expect(stats.drops).toBe(0);

        await early[0]!.close("delete");
        await early[1]!.close("close"); // close_notify, no DELETE: the tab closed
        await until(() => proxy.server.sessionCount === 1, 5000, "two viewers removed");
        const reasons = events.filter((e) => e.state === "ended").map((e) => e.reason);
        expect(reasons.sort()).toEqual(["closed", "deleted"]);
        const before = frames[2]!.length;
        await until(() => frames[2]!.length >= before + 15, 5000, "the remaining viewer still receiving");
        await late.close();
        await until(() => proxy.factory.viewerCount === 0, 5000, "the last viewer removed");
      } finally {
        await Promise.all(viewers.map((v) => v.close()));
        await proxy.close();
      }
      expect(SocketRegistry.default.size).toBe(0);
    });
  }, 60_000);

  it("the camera killed and restarted: viewers freeze, then resume on a key frame without rejoining", async () => {
    await using camera = await startGstreamerRtsp();
    await withLeakCheck(async () => {
      const proxy = await RtspToWhepProxy.start({
        rtspUrl: camera.url,
        rtsp: { initialBackoffMs: 200, maxBackoffMs: 1000 },
      });
      const frames: EncodedFrame[][] = [[], []];
      const viewers: WhepViewer[] = [];
      try {
        for (const got of frames)
          viewers.push(await WhepViewer.connect(proxy.whepUrl, { onFrame: (f) => got.push(f) }));
        await until(() => frames.every((f) => f.length >= 30), 15_000, "30 frames per viewer");
        await camera.kill();
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const frozen = frames.map((f) => f.length);
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(frames.map((f) => f.length)).toEqual(frozen);
        await camera.restart();
        await until(
          () => frames.every((f, i) => f.length >= frozen[i]! + 30),
          20_000,
          "30 frames after the restart",
        );
        for (const [i, got] of frames.entries()) {
          expect(got[frozen[i]!]!.keyframe).toBe(true);
          expect(spsSize(got[frozen[i]!]!)).toEqual({ width: 640, height: 360 });
        }
        expect(proxy.server.sessionCount).toBe(2);
      } finally {
        await Promise.all(viewers.map((v) => v.close()));
        await proxy.close();
        // The restarted camera's stdio pipes were opened inside the leak check: its process ends here.
        await camera.close();
      }
    });
  }, 60_000);
});
