import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { PeerConnection } from "../peer-connection.js";
import { connectedPair, nextEvent, openChannel, until } from "./channel.test-helper.js";
import type { DataChannel } from "./data-channel.js";
import type { PriorityType } from "./dcep.js";

describe("RTCDataChannel priority (W3C webrtc-priority, RFC 8831 §6.4)", () => {
  it("priority reaches the peer in DATA_CHANNEL_OPEN for each level; default low; negotiated channels keep their own", async () => {
    await withLeakCheck(async () => {
      const [a, b] = await connectedPair();
      for (const priority of ["very-low", "low", "medium", "high"] as const) {
        const [local, remote] = await openChannel(a, b, priority, { priority });
        expect(local.priority).toBe(priority);
        expect(remote.priority).toBe(priority);
      }
      const [plain, plainRemote] = await openChannel(b, a, "plain");
      expect(plain.priority).toBe("low");
      expect(plainRemote.priority).toBe("low");
      const n = a.createDataChannel("n", { negotiated: true, id: 40, priority: "high" });
      expect(n.priority).toBe("high");
      await a.close();
      await b.close();
    });
  });

  it("refuses a priority outside the enum with TypeError, as WebIDL does", async () => {
    const pc = new PeerConnection({ interfaces: "loopback" });
    for (const priority of ["urgent", "HIGH", ""])
      expect(() => pc.createDataChannel("x", { priority: priority as PriorityType })).toThrow(TypeError);
    await pc.close();
  });

  it("a high channel's backlog gets 8 times a very-low one's share (1024 : 128) of what leaves, and all arrives", async () => {
    await withLeakCheck(async () => {
      const [a, b] = await connectedPair();
      const [high, highAtB] = await openChannel(a, b, "high", { priority: "high" });
      const [low, lowAtB] = await openChannel(a, b, "low", { priority: "very-low" });
      const message = new Uint8Array(8 * 1024);
      const count = 160; // 1.25 MiB each
      const total = count * message.length;
      const received = new Map<DataChannel, number>([
        [highAtB, 0],
        [lowAtB, 0],
      ]);
      for (const c of [highAtB, lowAtB])
        c.addEventListener("message", (e) => {
          received.set(c, received.get(c)! + ((e as MessageEvent).data as ArrayBuffer).byteLength);
        });
      // Counted where the scheduler works, at the sender, while both channels are still backlogged:
      // when the high channel has a quarter left to hand to the network, what has each handed over?
      // Both read at the same instant (the event fires after the send burst it happened in, so
      // both counts include that burst; read at the end instead, the low channel's count would take
      // in what it sent alone after the high one ran dry, up to a congestion window).
      let ratio = -1;
      high.bufferedAmountLowThreshold = total / 4;
      high.addEventListener("bufferedamountlow", () => {
        if (ratio < 0) ratio = (total - high.bufferedAmount) / (total - low.bufferedAmount);
      });
      // Queued in turns, so without priorities both would get half.
      for (let i = 0; i < count; i++) {
        low.send(message);
        high.send(message);
      }
      await until(() => received.get(highAtB) === total && received.get(lowAtB) === total, "all delivered");
      // 8:1 by weight (1024 : 128), within a fragment or two.
      expect(ratio).toBeGreaterThan(7);
      expect(ratio).toBeLessThan(9.5);
      await a.close();
      await b.close();
    });
  });

  it("the datachannel event's channel reports the sender's priority before open", async () => {
    const [a, b] = await connectedPair();
    const incoming = nextEvent<Event & { channel: DataChannel }>(b, "datachannel");
    a.createDataChannel("m", { priority: "medium" });
    expect((await incoming).channel.priority).toBe("medium");
    await a.close();
    await b.close();
  });
});
