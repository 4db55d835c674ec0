import {
  gstreamerHasElement,
  requireGstreamerRtsp,
  startGstreamerRtsp,
} from "@purertc/interop/gstreamer-rtsp";
import type { EncodedFrame } from "@purertc/peerconnection";
import { SocketRegistry } from "@purertc/socket";
import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { type ProxySourceInfo, RtspToWhepProxy } from "./proxy.js";
import { WhepViewer } from "./whep/viewer.js";

// Under CI=true a missing GStreamer throws here, failing the file: never a silent skip.
const peer = requireGstreamerRtsp();
// voaacenc (gstreamer1.0-plugins-bad, which CI installs) makes the AAC camera.
const aac = peer.available && gstreamerHasElement("voaacenc");
if (!aac && process.env.CI === "true")
  throw new Error("interop peer missing in CI: voaacenc (gstreamer1.0-plugins-bad)");

async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(!peer.available)("RtspToWhepProxy: the camera's audio", () => {
  it("G.711 A-law from the camera reaches a viewer that offers audio (PCMA, 160 samples a packet); a video-only viewer is served as before", async () => {
    await using camera = await startGstreamerRtsp({ audio: "pcma" });
    await withLeakCheck(async () => {
      const proxy = await RtspToWhepProxy.start({ rtspUrl: camera.url });
      const sources: ProxySourceInfo[] = [];
      proxy.on("source", (s) => sources.push(s));
      const video: EncodedFrame[] = [];
      const audio: EncodedFrame[] = [];
      const plain: EncodedFrame[] = [];
      const viewers: WhepViewer[] = [];
      try {
        await until(() => proxy.sourceInfo !== undefined, 5000, "the source info");
        expect(proxy.sourceInfo).toMatchObject({ codec: "H264", width: 640, height: 360, audio: "PCMA" });
        expect(proxy.sourceInfo!.audioIgnored).toBeUndefined();
        viewers.push(
          await WhepViewer.connect(proxy.whepUrl, {
            audio: true,
            onFrame: (f) => video.push(f),
            onAudioFrame: (f) => audio.push(f),
          }),
        );
        viewers.push(await WhepViewer.connect(proxy.whepUrl, { onFrame: (f) => plain.push(f) }));
        await until(
          () => audio.length >= 50 && video.length >= 30 && plain.length >= 30,
          15_000,
          "audio and video",
        );
        const [withAudio] = viewers;
        const params = withAudio!.audioReceiver!.getParameters().codecs;
        expect(params.map((c) => c.mimeType)).toEqual(["audio/PCMA"]);
        // 20 ms of 8 kHz A-law a packet, timestamps 160 apart (a frame lost on loopback widens one step).
        for (const f of audio.slice(0, 50)) expect(f.data.length).toBe(160);
        for (let i = 1; i < 50; i++) {
          const step = (audio[i]!.timestamp - audio[i - 1]!.timestamp) >>> 0;
          expect(step > 0 && step % 160 === 0 && step <= 10 * 160, `audio timestamp step ${step}`).toBe(true);
        }
        // A-law of a 440 Hz tone is not silence (0xd5 / 0x55 are A-law's zero).
        expect(audio[10]!.data.some((b) => b !== 0xd5 && b !== 0x55)).toBe(true);
        expect(proxy.stats().audioPacketsIn).toBeGreaterThanOrEqual(50);
        expect(proxy.audio.sinkCount).toBe(1);
        for (const s of sources) expect(s).toMatchObject({ codec: "H264", audio: "PCMA" });
        await Promise.all(viewers.map((v) => v.close()));
        await until(
          () => proxy.audio.sinkCount === 0 && proxy.factory.viewerCount === 0,
          5000,
          "viewers gone",
        );
      } finally {
        await Promise.all(viewers.map((v) => v.close()));
        await proxy.close();
      }
      expect(SocketRegistry.default.size).toBe(0);
    });
  }, 60_000);

  it.skipIf(!aac)(
    "AAC from the camera is ignored, and the source event says so; the viewer's video plays",
    async () => {
      await using camera = await startGstreamerRtsp({ audio: "aac" });
      await withLeakCheck(async () => {
        const proxy = await RtspToWhepProxy.start({ rtspUrl: camera.url });
        const audio: EncodedFrame[] = [];
        const video: EncodedFrame[] = [];
        let viewer: WhepViewer | undefined;
        try {
          await until(() => proxy.sourceInfo !== undefined, 5000, "the source info");
          const info = proxy.sourceInfo!;
          expect(info.audio).toBeUndefined();
          expect(info.audioIgnored).toMatch(
            /^MPEG4-GENERIC\/16000: AAC, which browsers do not decode over WebRTC/,
          );
          viewer = await WhepViewer.connect(proxy.whepUrl, {
            audio: true,
            onFrame: (f) => video.push(f),
            onAudioFrame: (f) => audio.push(f),
          });
          await until(() => video.length >= 30, 15_000, "video");
          expect(audio).toHaveLength(0);
          expect(proxy.stats().audioPacketsIn).toBe(0);
          expect(viewer.audioReceiver!.getParameters().codecs).toEqual([]);
        } finally {
          await viewer?.close();
          await proxy.close();
        }
      });
    },
    60_000,
  );
});
