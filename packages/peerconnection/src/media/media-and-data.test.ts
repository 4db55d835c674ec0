import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { negotiate, trickle, waitForState } from "../pair.test-helper.js";
import { PeerConnection } from "../peer-connection.js";

/** RFC 7983 in practice: SCTP in DTLS and SRTP share one ICE path, each to its own layer. */
describe("media and a data channel on one bundled transport", () => {
  it("frames and messages both arrive, and close leaves nothing", async () => {
    await withLeakCheck(async () => {
      const a = new PeerConnection({ interfaces: "loopback" });
      const b = new PeerConnection({ interfaces: "loopback" });
      trickle(a, b);
      const video = a.addTransceiver("video", { direction: "sendonly" });
      const channel = a.createDataChannel("chat");
      const frames: number[] = [];
      const messages: unknown[] = [];
      b.addEventListener("track", (e) =>
        e.receiver.addEventListener("frame", (f) => frames.push(f.data.length)),
      );
      b.addEventListener("datachannel", (e) =>
        e.channel.addEventListener("message", (m) => messages.push(m.data)),
      );
      await negotiate(a, b);
      await Promise.all([waitForState(a, "connected"), waitForState(b, "connected")]);
      const keyframe = new Uint8Array(6000).fill(3);
      keyframe.set([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00]);
      for (let i = 0; i < 200 && (frames.length < 5 || messages.length < 5); i++) {
        video.sender.sendFrame(keyframe, { timestamp: i * 3000, keyframe: true });
        if (channel.readyState === "open") channel.send(`m${i}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(frames.length).toBeGreaterThanOrEqual(5);
      expect(frames[0]).toBe(6000);
      expect(messages.length).toBeGreaterThanOrEqual(5);
      await Promise.all([a.close(), b.close()]);
    });
  });
});
