import { forceGc, withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import type { SctpCloseEvent, SctpMessageEvent, SctpStreamResetEvent } from "./association-types.js";
import { once, openLink } from "./memory-link.test-helper.js";
import type { Chunk } from "./packet/chunk.js";
import { CauseCode, ChunkType } from "./packet/constants.js";
import { encodePacket } from "./packet/packet.js";
import { recordingLink } from "./recording-link.test-helper.js";

/** Sends a 256 KiB message on stream 1, then 100 bytes on stream 2; returns the order B delivers them in. */
async function deliveryOrder(interleaving: boolean): Promise<number[]> {
  const { link: l, types } = recordingLink(interleaving, interleaving);
  await openLink(l);
  const order: number[] = [];
  l.b.addEventListener("message", (e) => order.push((e as SctpMessageEvent).streamId));
  l.a.send(1, 53, new Uint8Array(256 * 1024).fill(7));
  l.a.send(2, 51, new Uint8Array(100).fill(9));
  while (order.length < 2) await once(l.b, "message");
  expect(types(0).has(ChunkType.IData)).toBe(interleaving);
  expect(types(0).has(ChunkType.Data)).toBe(!interleaving);
  await l.close();
  return order;
}

describe("I-DATA negotiation (RFC 8260 §2.2)", () => {
  it("both ends offer it: INIT and INIT-ACK list I-DATA and I-FORWARD-TSN, and only I-DATA carries data", async () => {
    const { link: l, sent, types } = recordingLink(true, true);
    await openLink(l, true);
    const init = sent[0].find((c) => c.type === ChunkType.Init);
    const ack = sent[1].find((c) => c.type === ChunkType.InitAck);
    for (const c of [init, ack])
      expect(
        c?.type === ChunkType.Init || c?.type === ChunkType.InitAck ? c.supportedExtensions : [],
      ).toEqual(expect.arrayContaining([ChunkType.IData, ChunkType.IForwardTsn]));
    expect(l.a.tcb!.interleaving && l.b.tcb!.interleaving).toBe(true);
    let got = 0;
    l.b.addEventListener("message", () => got++);
    l.a.send(0, 51, new Uint8Array(3000), { unordered: true });
    l.a.send(0, 51, new Uint8Array(10));
    while (got < 2) await once(l.b, "message");
    expect(types(0).has(ChunkType.IData)).toBe(true);
    expect(types(0).has(ChunkType.Data)).toBe(false);
    await l.close();
  });

  for (const [a, b] of [
    [true, false],
    [false, true],
  ] as const)
    it(`only one end offers it (a: ${a}, b: ${b}): DATA as before, both ways`, async () => {
      const { link: l, sent, types } = recordingLink(a, b);
      await openLink(l);
      expect(l.a.tcb!.interleaving || l.b.tcb!.interleaving).toBe(false);
      const init = sent[a ? 1 : 0].find((c) => c.type === ChunkType.Init);
      expect(init?.type === ChunkType.Init && init.supportedExtensions).not.toContain(ChunkType.IData);
      let got = 0;
      l.a.addEventListener("message", () => got++);
      l.b.addEventListener("message", () => got++);
      l.a.send(0, 51, new Uint8Array(3000));
      l.b.send(0, 51, new Uint8Array(3000));
      while (got < 2) await once(got === 0 ? l.a : l.b, "message").catch(() => {});
      for (const side of [0, 1] as const) {
        expect(types(side).has(ChunkType.Data)).toBe(true);
        expect(types(side).has(ChunkType.IData)).toBe(false);
      }
      await l.close();
    });

  it("a peer that sends DATA when I-DATA was negotiated gets ABORT with Protocol Violation (§2.2.3)", async () => {
    for (const interleaving of [true, false]) {
      const { link: l, sent } = recordingLink(interleaving, interleaving);
      await openLink(l);
      const closed = once<SctpCloseEvent>(l.b, "close");
      const tcb = l.a.tcb!;
      const common = {
        tsn: tcb.nextTsn,
        streamId: 0,
        ppid: 51,
        userData: Uint8Array.of(1),
        unordered: false,
        beginning: true,
        ending: true,
        immediate: false,
      };
      // The wrong kind for what was negotiated.
      const chunk: Chunk = interleaving
        ? { type: ChunkType.Data, ssn: 0, ...common }
        : { type: ChunkType.IData, mid: 0, fsn: 0, ...common };
      l.b.handlePacket(
        encodePacket({
          sourcePort: 5000,
          destinationPort: 5000,
          verificationTag: tcb.c.peerTag,
          chunks: [chunk],
        }),
      );
      expect((await closed).error?.code).toBe("ERR_PROTOCOL_VIOLATION");
      const abort = sent[1].find((c) => c.type === ChunkType.Abort);
      expect(abort?.type === ChunkType.Abort && abort.causes[0]?.code).toBe(CauseCode.ProtocolViolation);
      await l.close();
    }
  });
});

describe("message interleaving (RFC 8260 §3)", () => {
  it("a small message on another stream overtakes a 256 KiB one with I-DATA, and waits behind it without", async () => {
    expect(await deliveryOrder(true)).toEqual([2, 1]);
    expect(await deliveryOrder(false)).toEqual([1, 2]);
  });

  it("messages of every size on several streams arrive whole and in order per stream at 10 % loss, reordering, duplicates", async () => {
    const { link: l } = recordingLink(
      true,
      true,
      { loss: 0.1, reorder: 0.1, duplicate: 0.05, seed: 11 },
      { rtoInitial: 50, rtoMin: 50 },
    );
    await openLink(l);
    const got = new Map<number, number[]>();
    let count = 0;
    l.b.addEventListener("message", (e) => {
      const m = e as SctpMessageEvent;
      const i = m.data[0]! | (m.data[1]! << 8);
      // Every byte of a message says which message it is.
      for (let k = 2; k < m.data.length; k++)
        if (m.data[k] !== (i & 0xff)) throw new Error(`message ${i} damaged`);
      got.set(m.streamId, [...(got.get(m.streamId) ?? []), i]);
      count++;
    });
    const sizes = [1, 100, 1200, 5000, 40_000];
    const expected = new Map<number, number[]>();
    for (let i = 0; i < 60; i++) {
      const stream = i % 3;
      const d = new Uint8Array(Math.max(2, sizes[i % sizes.length]!)).fill(i & 0xff);
      d[0] = i & 0xff;
      d[1] = i >> 8;
      l.a.send(stream, 53, d, { unordered: i % 7 === 0 });
      if (i % 7 !== 0) expected.set(stream, [...(expected.get(stream) ?? []), i]);
    }
    while (count < 60) await once(l.b, "message", 20_000);
    for (const [stream, ids] of expected) expect(got.get(stream)!.filter((i) => i % 7 !== 0)).toEqual(ids);
    await l.close();
  });
});

describe("partial reliability with I-FORWARD-TSN (RFC 8260 §2.3.1)", () => {
  it("abandoned ordered and unordered messages are skipped by MID; reliable ones after them arrive", async () => {
    const { link: l, types } = recordingLink(
      true,
      true,
      { loss: 0.3, seed: 3 },
      { rtoInitial: 50, rtoMin: 50 },
    );
    await openLink(l);
    const seen = new Set<number>();
    let duplicates = 0;
    l.b.addEventListener("message", (e) => {
      const m = e as SctpMessageEvent;
      if (m.data.length !== 3000) return;
      const i = (m.data[0]! << 8) | m.data[1]!;
      if (seen.has(i)) duplicates++;
      seen.add(i);
    });
    for (let i = 0; i < 300; i++) {
      // Fragmented (3 chunks) so a message can lose some of its fragments.
      const d = new Uint8Array(3000);
      d[0] = i >> 8;
      d[1] = i;
      l.a.send(1 + (i % 2), 53, d, { unordered: i % 2 === 0, maxRetransmits: 0 });
    }
    // Reliable messages on the same streams, queued behind the abandoned ones there.
    const reliable = new Promise<void>((resolve) => {
      let n = 0;
      l.b.addEventListener("message", (e) => {
        if ((e as SctpMessageEvent).data.length === 1 && ++n === 2) resolve();
      });
    });
    l.a.send(1, 51, Uint8Array.of(1));
    l.a.send(2, 51, Uint8Array.of(2));
    await reliable;
    expect(duplicates).toBe(0);
    expect(seen.size).toBeGreaterThan(10);
    expect(seen.size).toBeLessThan(300);
    expect(types(0).has(ChunkType.IForwardTsn)).toBe(true);
    expect(types(0).has(ChunkType.ForwardTsn)).toBe(false);
    await l.close();
  });
});

describe("stream reset with I-DATA (RFC 6525, RFC 8260 §2.3.2)", () => {
  it("after a reset the stream's MIDs start again at 0 and messages keep arriving in order", async () => {
    const { link: l, sent } = recordingLink(
      true,
      true,
      { loss: 0.1, seed: 4 },
      { rtoInitial: 50, rtoMin: 50 },
    );
    await openLink(l);
    const got: string[] = [];
    l.b.addEventListener("message", (e) => got.push(new TextDecoder().decode((e as SctpMessageEvent).data)));
    const enc = new TextEncoder();
    for (let i = 0; i < 20; i++) l.a.send(7, 51, enc.encode(`m${i}`.padEnd(i % 4 === 0 ? 3000 : 3, ".")));
    const resetAtB = once<SctpStreamResetEvent>(l.b, "streamreset");
    l.a.resetStreams([7]);
    expect((await resetAtB).streamIds).toEqual([7]);
    expect(got.map((s) => s.replace(/\.+$/, ""))).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
    const before = sent[0].length;
    l.a.send(7, 51, enc.encode("again"));
    l.a.send(7, 51, enc.encode("and again"));
    while (got.length < 22) await once(l.b, "message");
    expect(got.slice(20)).toEqual(["again", "and again"]);
    // New chunks only: at RTO 50 ms on a loaded machine an old chunk (MID 19) may still be retransmitted.
    const oldTsns = new Set(
      sent[0].slice(0, before).flatMap((c) => (c.type === ChunkType.IData ? [c.tsn] : [])),
    );
    const mids = sent[0]
      .slice(before)
      .flatMap((c) => (c.type === ChunkType.IData && c.streamId === 7 && !oldTsns.has(c.tsn) ? [c.mid] : []));
    expect(new Set(mids)).toEqual(new Set([0, 1]));
    await l.close();
  });
});

describe("teardown with I-DATA", () => {
  it("close() mid-transfer with partial messages on both sides releases everything (leak-checked, collected)", async () => {
    let ref: WeakRef<object> | undefined;
    await withLeakCheck(async () => {
      const { link: l } = recordingLink(true, true, { loss: 0.2, seed: 9 });
      await openLink(l);
      for (let s = 0; s < 4; s++) l.a.send(s, 53, new Uint8Array(200_000));
      for (let s = 0; s < 4; s++) l.b.send(s, 53, new Uint8Array(100_000), { unordered: true });
      await new Promise((r) => setTimeout(r, 30));
      ref = new WeakRef(l.a.tcb!);
      await l.close();
      await l.close();
      expect(l.a.state).toBe("closed");
      expect(l.b.state).toBe("closed");
    });
    expect(await forceGc()).toBe(true);
    expect(ref!.deref()).toBeUndefined();
  });
});
