import type { EncodedFrame } from "@purertc/peerconnection";
import { joinAnnexB } from "@purertc/rtp";
import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { FanOut } from "../fanout.js";
import type { AccessUnit } from "../h264-source.js";
import { PeerConnectionWhepFactory } from "./peer-connection-factory.js";
import { WhepServer } from "./server.js";
import { WhepViewer } from "./viewer.js";

// SPS/PPS of GStreamer's 640x360 constrained-baseline stream (test-vectors/rtsp/gstreamer-1.22-describe-200.txt).
const SPS = Buffer.from("Z0LAHtkAoC/5cBagwMDUoAAAAwAgAAAHkeLFyQ==", "base64");
const PPS = Buffer.from("aMuMsg==", "base64");
/** A NAL unit of `type` and `size` bytes whose body holds no start code. */
const nal = (type: number, size: number) => {
  const n = new Uint8Array(size).fill(0x55);
  n[0] = 0x60 | type;
  return n;
};
const unit = (n: number, keyframe: boolean, size: number): AccessUnit => ({
  data: joinAnnexB(keyframe ? [SPS, PPS, nal(5, size)] : [nal(1, size)]),
  timestamp: n * 3000,
  keyframe,
});

async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("a late viewer's cached GOP is paced", () => {
  it("starts on the cached key frame, gets the GOP in order, its sender never exceeded the token bucket; live units then go straight", async () => {
    await withLeakCheck(async () => {
      const rate = 100_000; // bytes/s
      const burst = 8000;
      const fanOut = new FanOut();
      const factory = new PeerConnectionWhepFactory({
        fanOut,
        pacing: { bitsPerSecond: rate * 8, burstBytes: burst },
      });
      await using server = await WhepServer.listen({ factory });
      // A GOP of 57 kB in the cache before anyone joins: a 30 kB key frame and nine 3 kB frames.
      const gop = [
        unit(1000, true, 30_000),
        ...Array.from({ length: 9 }, (_, i) => unit(1001 + i, false, 3000)),
      ];
      for (const u of gop) fanOut.push(u);
      const frames: EncodedFrame[] = [];
      const viewer = await WhepViewer.connect(server.url, {
        onFrame: (f) => frames.push(f),
      });
      try {
        await until(() => frames.length >= gop.length, 10_000, "the cached GOP at the viewer");
        // Starts on the key frame, SPS/PPS ahead of the IDR, then the GOP's frames in order.
        expect(frames[0]!.keyframe).toBe(true);
        const steps = frames.slice(1, gop.length).map((f, i) => (f.timestamp - frames[i]!.timestamp) >>> 0);
        expect(steps).toEqual(new Array(gop.length - 1).fill(3000));
        expect(frames[0]!.data.length).toBeGreaterThan(30_000);
        const [live] = factory.viewers;
        const pacing = live!.pacing!;
        expect(pacing.bytes).toBeGreaterThan(57_000);
        // The bucket made it wait, and by the sender's own clock the GOP took at least (bytes - burst) / rate:
        // never faster than the pacing rate (a loaded machine only makes it slower).
        expect(pacing.waits).toBeGreaterThan(0);
        expect(pacing.lastAt - pacing.firstAt).toBeGreaterThanOrEqual(
          ((pacing.bytes - burst) * 1000) / rate - 2,
        );
        expect(live!.stats.dropped).toBe(0);
        // Caught up: live units go straight, past the bucket.
        const paced = pacing.packets;
        fanOut.push(unit(1010, false, 3000));
        await until(() => frames.length > gop.length, 10_000, "a live frame");
        expect(frames.at(-1)!.timestamp - frames[0]!.timestamp).toBe(10 * 3000);
        expect(factory.viewers[0]!.pacing!.packets).toBe(paced);
      } finally {
        await viewer.close();
        fanOut.close();
      }
    });
  }, 20_000);

  it("pacing: false sends the GOP at once (no waits counted); bad pacing options are a typed error", async () => {
    expect(() => new PeerConnectionWhepFactory({ pacing: { bitsPerSecond: 0 } })).toThrow(/pacing rate/);
    expect(() => new PeerConnectionWhepFactory({ pacing: { burstBytes: 10 } })).toThrow(/pacing burst/);
    await withLeakCheck(async () => {
      const fanOut = new FanOut();
      const factory = new PeerConnectionWhepFactory({ fanOut, pacing: false });
      await using server = await WhepServer.listen({ factory });
      fanOut.push(unit(0, true, 20_000));
      const frames: EncodedFrame[] = [];
      const viewer = await WhepViewer.connect(server.url, { onFrame: (f) => frames.push(f) });
      try {
        await until(() => frames.length >= 1, 10_000, "the key frame");
        expect(factory.viewers[0]!.pacing).toBeUndefined();
      } finally {
        await viewer.close();
        fanOut.close();
      }
    });
  }, 20_000);
});
