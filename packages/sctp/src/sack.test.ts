import { describe, expect, it } from "vitest";
import type { SctpMessageEvent } from "./association-types.js";
import { MemoryLink, once, openLink } from "./memory-link.test-helper.js";
import { decodePacket } from "./packet/packet.js";

/** Counts the packets from B that carry a SACK, and the DATA packets from A. */
function counting(): { link: MemoryLink; sacks: () => number; data: () => number; reset(): void } {
  let sacks = 0;
  let data = 0;
  const link = new MemoryLink({
    filter: (from, p) => {
      const types = decodePacket(p, { skipChecksum: true }).chunks.map((c) => c.type);
      if (from === 1 && types.includes(3)) sacks++;
      if (from === 0 && types.includes(0)) data++;
      return p;
    },
  });
  return {
    link,
    sacks: () => sacks,
    data: () => data,
    reset() {
      sacks = 0;
      data = 0;
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe("SACK cadence (RFC 9260 §6.2)", () => {
  it("packets that arrive together are acknowledged by one SACK after the last of them", async () => {
    const c = counting();
    await openLink(c.link);
    await settle();
    c.reset();
    const got: number[] = [];
    c.link.b.addEventListener("message", (e) => got.push((e as SctpMessageEvent).data.length));
    // Four one-packet messages leave in one flush (the initial cwnd holds them) and arrive in one batch.
    for (let i = 0; i < 4; i++) c.link.a.send(0, 53, new Uint8Array(1000));
    await settle();
    expect(got).toEqual([1000, 1000, 1000, 1000]);
    expect(c.data()).toBe(4);
    expect(c.sacks()).toBe(1); // a SACK every second packet would have made 2
    expect(c.link.a.getStats().flightSize).toBe(0);
    await c.link.close();
  });

  it("a bulk transfer is acknowledged with fewer SACKs than one per two packets, and arrives whole", async () => {
    const c = counting();
    await openLink(c.link);
    await settle();
    c.reset();
    let bytes = 0;
    const done = new Promise<void>((resolve) =>
      c.link.b.addEventListener("message", (e) => {
        bytes += (e as SctpMessageEvent).data.length;
        if (bytes === 2 * 1024 * 1024) resolve();
      }),
    );
    for (let i = 0; i < 32; i++) c.link.a.send(0, 53, new Uint8Array(65536).fill(i));
    await done;
    await settle();
    expect(c.sacks()).toBeGreaterThan(0);
    expect(c.sacks()).toBeLessThan(c.data() / 4);
    await c.link.close();
  });

  it("a lone message with nothing queued behind it is acknowledged at once (I bit, RFC 7053)", async () => {
    const c = counting();
    await openLink(c.link);
    await settle();
    c.reset();
    const first = once(c.link.b, "message");
    c.link.a.send(0, 53, new Uint8Array(100));
    await first;
    await settle(); // well under the 200 ms delayed-ack timer
    expect(c.sacks()).toBe(1);
    expect(c.link.a.getStats().flightSize).toBe(0);
    await c.link.close();
  });

  it("a gap is reported at once, in the batch, and the lost packet is repaired", async () => {
    let dataPackets = 0;
    const gapSacks: number[] = [];
    const link = new MemoryLink({
      filter: (from, p) => {
        for (const ch of decodePacket(p, { skipChecksum: true }).chunks) {
          if (from === 0 && ch.type === 0 && ++dataPackets === 2) return undefined; // the second DATA packet is lost
          if (from === 1 && ch.type === 3 && ch.gapAckBlocks.length > 0) gapSacks.push(dataPackets);
        }
        return p;
      },
    });
    await openLink(link);
    const got: number[] = [];
    link.b.addEventListener("message", (e) => got.push((e as SctpMessageEvent).data[0]!));
    for (let i = 0; i < 4; i++) link.a.send(0, 53, new Uint8Array(1000).fill(i));
    await settle();
    // Packets 3 and 4 each arrive after the hole: each is SACKed at once (§6.7), not at the batch's end only.
    expect(gapSacks.length).toBeGreaterThanOrEqual(2);
    expect(got).toEqual([0, 1, 2, 3]);
    await link.close();
  });
});
