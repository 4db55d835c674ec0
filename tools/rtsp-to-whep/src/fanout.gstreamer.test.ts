import { requireGstreamerRtsp, startGstreamerRtsp } from "@purertc/interop/gstreamer-rtsp";
import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { RtspClient } from "./client.js";
import { FanOut } from "./fanout.js";
import { type AccessUnit, H264Source } from "./h264-source.js";

// Under CI=true a missing GStreamer throws here, failing the file: never a silent skip.
const peer = requireGstreamerRtsp();

async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(!peer.available)("FanOut of GStreamer's camera: one RTSP session, many viewers", () => {
  it("fast viewers get every access unit while a slow one skips to key frames; a late one starts on a key frame", async () => {
    await using camera = await startGstreamerRtsp();
    await withLeakCheck(async () => {
      const client = new RtspClient(camera.url);
      const source = new H264Source(client);
      const fan = new FanOut({ maxQueue: 10 });
      source.on("accessUnit", (unit) => fan.push(unit));
      const fast = [0, 1].map(() => [] as AccessUnit[]);
      const fastViewers = fast.map((got) => fan.addViewer((unit) => void got.push(unit)));
      const slow: AccessUnit[] = [];
      // 100 ms per access unit at 30 fps: it must fall behind, and alone.
      let timer: NodeJS.Timeout | undefined;
      const slowViewer = fan.addViewer(async (unit) => {
        slow.push(unit);
        await new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 100);
        });
      });
      try {
        await client.start();
        await until(() => fast[0]!.length >= 70, 8000, "70 access units (an IDR, a GOP and more)");
        const late: AccessUnit[] = [];
        const lateViewer = fan.addViewer((unit) => void late.push(unit));
        await until(() => late.length >= 5, 3000, "the late viewer's first units");
        expect(late[0]!.keyframe).toBe(true);
        // Both fast viewers saw the same units, in order, 3000 ticks apart.
        expect(fast[1]!.map((u) => u.timestamp)).toEqual(
          fast[0]!.slice(0, fast[1]!.length).map((u) => u.timestamp),
        );
        for (let i = 1; i < fast[0]!.length; i++)
          expect((fast[0]![i]!.timestamp - fast[0]![i - 1]!.timestamp) >>> 0).toBe(3000);
        expect(fastViewers.map((v) => v.stats.dropped)).toEqual([0, 0]);
        expect(slowViewer.stats.overflows).toBeGreaterThan(0);
        expect(slowViewer.stats.dropped).toBeGreaterThan(0);
        // Wherever the slow viewer skipped, it resumed on a key frame.
        for (let i = 1; i < slow.length; i++)
          if ((slow[i]!.timestamp - slow[i - 1]!.timestamp) >>> 0 !== 3000)
            expect(slow[i]!.keyframe).toBe(true);
        lateViewer.close();
      } finally {
        fan.close();
        clearTimeout(timer);
        source.close();
        await client.close();
      }
      expect(fan.viewerCount).toBe(0);
    });
  }, 30_000);
});
