import { describe, expect, it } from "vitest";
import type { SctpMessageEvent } from "./association-types.js";
import { MemoryLink, once, openLink } from "./memory-link.test-helper.js";
import { ChunkType } from "./packet/constants.js";
import { decodePacket } from "./packet/packet.js";
import { transfer } from "./transfer.test-helper.js";

const MiB = 1024 * 1024;

describe("bulk transfer over a memory link", () => {
  it("10 MB ordered arrives intact and in order", async () => {
    const link = new MemoryLink();
    await openLink(link);
    const r = await transfer(link, (10 * MiB) / 65536, 65536, 20_000);
    expect(r).toMatchObject({ messages: 160, bytes: 10 * MiB, inOrder: true, intact: true });
    await link.close();
  });

  it("10 % loss, reordering and duplication: 4 MB intact and in order", async () => {
    const link = new MemoryLink({ loss: 0.1, reorder: 0.1, duplicate: 0.1, seed: 10 });
    await openLink(link);
    const r = await transfer(link, 256, 16384, 20_000);
    expect(r).toMatchObject({ messages: 256, bytes: 4 * MiB, inOrder: true, intact: true });
    const s = link.a.getStats();
    expect(s.retransmissions).toBeGreaterThan(0);
    // Losses are repaired by fast retransmit (§7.2.4: three SACKs that miss a TSN), not only by T3-rtx.
    expect(s.fastRetransmits).toBeGreaterThan(0);
    await link.close();
  });

  it("30 % loss, reordering and duplication: 256 KiB intact and in order", async () => {
    const link = new MemoryLink({ loss: 0.3, reorder: 0.3, duplicate: 0.3, seed: 30 });
    await openLink(link);
    const r = await transfer(link, 64, 4096, 25_000);
    expect(r).toMatchObject({ messages: 64, bytes: 256 * 1024, inOrder: true, intact: true });
    await link.close();
  });

  it("messages up to maxMessageSize are fragmented and reassembled, ordered and unordered", async () => {
    const link = new MemoryLink({ loss: 0.05, reorder: 0.05, seed: 5 });
    await openLink(link);
    const got: SctpMessageEvent[] = [];
    link.b.addEventListener("message", (e) => got.push(e as SctpMessageEvent));
    const big = new Uint8Array(262144).map((_, i) => i * 7);
    link.a.send(3, 53, big);
    link.a.send(4, 53, big.subarray(1), { unordered: true });
    link.a.send(3, 51, Uint8Array.of(9));
    while (got.length < 3) await once(link.b, "message");
    // Buffer.compare: deep equality of 256 KiB arrays is slow in expect().
    const byStream = (id: number) => got.filter((m) => m.streamId === id).map((m) => Buffer.from(m.data));
    const s3 = byStream(3);
    expect(s3.length).toBe(2);
    expect(Buffer.compare(s3[0]!, big)).toBe(0);
    expect([...s3[1]!]).toEqual([9]);
    const s4 = byStream(4);
    expect(s4.length).toBe(1);
    expect(Buffer.compare(s4[0]!, big.subarray(1))).toBe(0);
    expect(() => link.a.send(3, 53, new Uint8Array(262145))).toThrowError(
      expect.objectContaining({ code: "ERR_MESSAGE_TOO_BIG" }),
    );
    await link.close();
  });

  it("unordered with maxRetransmits 0 at 30 % loss never stalls the association", async () => {
    const fast = { rtoInitial: 50, rtoMin: 50 };
    const link = new MemoryLink({ loss: 0.3, seed: 3 }, fast, fast);
    await openLink(link);
    const seen = new Set<number>();
    let duplicates = 0;
    link.b.addEventListener("message", (e) => {
      const m = e as SctpMessageEvent;
      if (m.streamId !== 1) return;
      const i = (m.data[0]! << 8) | m.data[1]!;
      if (seen.has(i)) duplicates++;
      seen.add(i);
    });
    for (let i = 0; i < 300; i++) {
      const d = new Uint8Array(1000);
      d[0] = i >> 8;
      d[1] = i;
      link.a.send(1, 53, d, { unordered: true, maxRetransmits: 0 });
    }
    // A reliable message after them still arrives: the abandoned TSNs were skipped
    // (FORWARD-TSN). It goes once stream 1's queue is out: streams share the
    // link by weighted fair queueing, so sent now it would leave beside them.
    await once(link.a, "bufferedamountlow");
    const reliable = new Promise<void>((resolve) => {
      link.b.addEventListener("message", (e) => {
        if ((e as SctpMessageEvent).streamId === 2) resolve();
      });
    });
    link.a.send(2, 51, Uint8Array.of(1));
    await reliable;
    expect(duplicates).toBe(0);
    expect(seen.size).toBeGreaterThan(100);
    expect(seen.size).toBeLessThan(300);
    await link.close();
  });

  it("maxPacketLifeTime: messages that wait too long are abandoned, later ones arrive", async () => {
    let blocked = true;
    const link = new MemoryLink({ filter: (from, p) => (from === 0 && blocked ? undefined : p) });
    const opened = Promise.all([once(link.a, "open"), once(link.b, "open")]);
    blocked = false;
    link.a.connect();
    await opened;
    const got: number[] = [];
    link.b.addEventListener("message", (e) => got.push((e as SctpMessageEvent).data[0]!));
    blocked = true;
    for (let i = 0; i < 5; i++) link.a.send(0, 53, Uint8Array.of(i), { maxPacketLifeTime: 50 });
    await new Promise((r) => setTimeout(r, 120));
    blocked = false;
    link.a.send(0, 53, Uint8Array.of(99));
    while (!got.includes(99)) await once(link.b, "message");
    expect(got).toEqual([99]);
    await link.close();
  });
});

describe("the peer's receive window", () => {
  it("a sender never has more in flight than the receiver advertised, while a hole holds the receiver's buffer", async () => {
    let holdTsn: number | undefined;
    let holding = true;
    const link = new MemoryLink(
      {
        filter: (from, p) => {
          if (from !== 0) return p;
          const d = decodePacket(p, { acceptZeroChecksum: true });
          const data = d.chunks.find((c) => c.type === ChunkType.Data);
          if (data?.type === ChunkType.Data && holding) {
            holdTsn ??= data.tsn;
            if (data.tsn === holdTsn) return undefined;
          }
          return p;
        },
      },
      {},
      { maxMessageSize: 1024, receiveWindow: 16384 },
    );
    await openLink(link);
    // b's window is at least a whole message plus 64 KiB (options.ts): 66560 bytes.
    let maxFlight = 0;
    const timer = setInterval(() => {
      maxFlight = Math.max(maxFlight, link.a.getStats().flightSize);
    }, 1);
    for (let i = 0; i < 400; i++) link.a.send(0, 53, new Uint8Array(1000));
    await new Promise((r) => setTimeout(r, 300));
    expect(link.b.tcb!.receiver.aRwnd).toBeLessThan(2000);
    holding = false;
    let got = 0;
    link.b.addEventListener("message", () => got++);
    while (got < 400) await once(link.b, "message");
    clearInterval(timer);
    expect(maxFlight).toBeLessThanOrEqual(66560 + 1200);
    await link.close();
  });
});
