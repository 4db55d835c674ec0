import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { negotiate, trickle, waitForState } from "../pair.test-helper.js";
import { PeerConnection } from "../peer-connection.js";
import { nextEvent, openChannel, until } from "./channel.test-helper.js";
import type { DataChannel } from "./data-channel.js";

/** Whether the association of `pc` uses I-DATA (RFC 8260): test oracle only. */
function interleaving(pc: PeerConnection): unknown {
  return (pc.sctp as unknown as { association?: { tcb?: { interleaving: boolean } } }).association?.tcb
    ?.interleaving;
}

/** Sends `sizes` (each message filled with its index) and resolves with what arrived, in order. */
async function roundTrip(from: DataChannel, to: DataChannel, sizes: number[]): Promise<Uint8Array[]> {
  const got: Uint8Array[] = [];
  to.addEventListener("message", (e) => got.push(new Uint8Array(e.data as ArrayBuffer)));
  sizes.forEach((n, i) => {
    from.send(new Uint8Array(n).fill(i));
  });
  await until(() => got.length === sizes.length, "every message");
  return got;
}

/** Connects the pair with a channel made before the offer ("ordered"); resolves with its two ends once open. */
async function connect(a: PeerConnection, b: PeerConnection): Promise<[DataChannel, DataChannel]> {
  trickle(a, b);
  const incoming = nextEvent<Event & { channel: DataChannel }>(b, "datachannel");
  const local = a.createDataChannel("ordered");
  const opened = nextEvent(local, "open");
  await negotiate(a, b);
  await Promise.all([waitForState(a, "connected"), waitForState(b, "connected"), opened]);
  return [local, (await incoming).channel];
}

describe("data channels on DATA chunks (configuration sctpInterleaving: false)", () => {
  it("one end without I-DATA: both use DATA; small, fragmented and large messages arrive whole, in order", async () => {
    await withLeakCheck(async () => {
      const a = new PeerConnection({ interfaces: "loopback", sctpInterleaving: false });
      const b = new PeerConnection({ interfaces: "loopback" });
      const [ab, ba] = await connect(a, b);
      const [bu, ub] = await openChannel(b, a, "unordered", { ordered: false });
      expect([interleaving(a), interleaving(b)]).toEqual([false, false]);
      // 1 KiB messages are cut to fill packets (two fragments each), 100 KiB ones in ~90.
      const sizes = [1, 1024, 1024, 1024, 100_000, 1024, 5000, 1];
      const ordered = await roundTrip(ab, ba, sizes);
      expect(ordered.map((m) => [m.length, m[0]])).toEqual(sizes.map((n, i) => [n, i]));
      for (const m of ordered) expect(m.every((x) => x === m[0])).toBe(true);
      const unordered = await roundTrip(bu, ub, sizes);
      expect(unordered.map((m) => m.length).sort((x, y) => x - y)).toEqual([...sizes].sort((x, y) => x - y));
      await a.close();
      await b.close();
    });
  });

  it("by default two purertc ends negotiate I-DATA", async () => {
    await withLeakCheck(async () => {
      const a = new PeerConnection({ interfaces: "loopback" });
      const b = new PeerConnection({ interfaces: "loopback" });
      await connect(a, b);
      expect([interleaving(a), interleaving(b)]).toEqual([true, true]);
      await a.close();
      await b.close();
    });
  });
});
