import { forceGc, withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { negotiate, trickle, waitForState } from "../pair.test-helper.js";
import { PeerConnection } from "../peer-connection.js";

/** close() must settle without waiting on the network: a correctness bound, not a speed test. */
const CLOSE_BOUND_MS = 1000;

function vp8Keyframe(size: number): Uint8Array {
  const frame = new Uint8Array(size).fill(7);
  frame.set([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00]);
  return frame;
}

/** Two connected PCs with a sendrecv video transceiver each, frames flowing both ways until `stop`. */
async function flowing() {
  const a = new PeerConnection({ interfaces: "loopback" });
  const b = new PeerConnection({ interfaces: "loopback" });
  trickle(a, b);
  const ta = a.addTransceiver("video");
  const tb = b.addTransceiver("video");
  await negotiate(a, b);
  await Promise.all([waitForState(a, "connected"), waitForState(b, "connected")]);
  let received = 0;
  b.getReceivers()[0]!.addEventListener("frame", () => received++);
  a.getReceivers()[0]!.addEventListener("frame", () => received++);
  const frame = vp8Keyframe(20_000);
  let ts = 0;
  const pump = async (until: () => boolean, max = 500) => {
    for (let i = 0; i < max && !until(); i++) {
      ts += 3000;
      ta.sender.sendFrame(frame, { timestamp: ts, keyframe: true });
      tb.sender.sendFrame(frame, { timestamp: ts, keyframe: true });
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  await pump(() => received >= 20);
  expect(received).toBeGreaterThanOrEqual(20);
  return { a, b, ta, tb, pump, received: () => received };
}

describe("media teardown", () => {
  it("close() with frames in flight both ways releases sockets, timers and streams, in bound", async () => {
    await withLeakCheck(async () => {
      const { a, b, pump } = await flowing();
      const stats = await a.getStats();
      const outbound = [...stats.values()].find((s) => s.type === "outbound-rtp")!;
      const inbound = [...stats.values()].find((s) => s.type === "inbound-rtp")!;
      expect(Number(outbound.packetsSent)).toBeGreaterThan(0);
      expect(Number(inbound.framesReceived)).toBeGreaterThan(0);
      expect(stats.get(String(outbound.codecId))?.mimeType).toBe("video/VP8");
      const sending = pump(() => false, 40);
      const start = performance.now();
      await Promise.all([a.close(), b.close()]);
      expect(performance.now() - start).toBeLessThan(CLOSE_BOUND_MS);
      await sending; // sendFrame after close drops, never throws
      expect(a.getTransceivers()[0]!.sender.sendFrame(vp8Keyframe(100), { timestamp: 1 })).toBe(false);
      expect([...(await a.getStats()).values()].some((s) => s.type === "outbound-rtp")).toBe(false);
    });
  });

  it("stop() on a flowing transceiver ends its sending and receiving at once", async () => {
    await withLeakCheck(async () => {
      const { a, b, ta } = await flowing();
      ta.stop();
      expect(ta.sender.sendFrame(vp8Keyframe(100), { timestamp: 1 })).toBe(false);
      const stats = await a.getStats();
      expect(
        [...stats.values()].filter((s) => s.type === "outbound-rtp" || s.type === "inbound-rtp"),
      ).toEqual([]);
      await Promise.all([a.close(), b.close()]);
    });
  });

  it("a closed connection, its transceivers and their streams are collectable", async () => {
    let refs: WeakRef<object>[] = [];
    await (async () => {
      const { a, b, ta, tb } = await flowing();
      refs = [new WeakRef(a), new WeakRef(ta), new WeakRef(ta.receiver), new WeakRef(tb.sender)];
      await Promise.all([a.close(), b.close()]);
    })();
    expect(await forceGc(6)).toBe(true);
    expect(refs.map((r) => r.deref() === undefined)).toEqual([true, true, true, true]);
  });
});
