import { describe, expect, it } from "vitest";
import type { SctpMessageEvent, SctpStreamResetEvent } from "./association-types.js";
import { MemoryLink, once, openLink } from "./memory-link.test-helper.js";
import { ChunkType, ParamType, ReconfigResult } from "./packet/constants.js";
import { decodePacket, encodePacket } from "./packet/packet.js";

describe("stream reset (RFC 6525)", () => {
  it("each side resets its outgoing stream; the other sees streamreset; the id is reused from SSN 0", async () => {
    const link = new MemoryLink({ loss: 0.1, seed: 4 });
    await openLink(link);
    const got: string[] = [];
    link.b.addEventListener("message", (e) => {
      const m = e as SctpMessageEvent;
      got.push(`${m.streamId}:${new TextDecoder().decode(m.data)}`);
    });
    const enc = new TextEncoder();
    for (let i = 0; i < 20; i++) link.a.send(7, 51, enc.encode(`m${i}`));
    // The request goes out after the queued data: every message before it arrives first.
    const resetAtB = once<SctpStreamResetEvent>(link.b, "streamreset");
    link.a.resetStreams([7]);
    expect((await resetAtB).streamIds).toEqual([7]);
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => `7:m${i}`));
    // B answers by resetting its own outgoing stream 7 (what a data channel does).
    const resetAtA = once<SctpStreamResetEvent>(link.a, "streamreset");
    link.b.resetStreams([7]);
    expect((await resetAtA).streamIds).toEqual([7]);
    // Stream 7 is reused: its SSNs start again at 0 on both sides.
    link.a.send(7, 51, enc.encode("again"));
    link.a.send(7, 51, enc.encode("and again"));
    while (got.length < 22) await once(link.b, "message");
    expect(got.slice(20)).toEqual(["7:again", "7:and again"]);
    await link.close();
  });

  it("a reset of several streams at once, and a reset while data is in flight", async () => {
    const link = new MemoryLink();
    await openLink(link);
    for (let s = 0; s < 4; s++) link.a.send(s, 53, new Uint8Array(50_000));
    const reset = once<SctpStreamResetEvent>(link.b, "streamreset");
    link.a.resetStreams([0, 1, 2, 3]);
    expect([...(await reset).streamIds].sort()).toEqual([0, 1, 2, 3]);
    await link.close();
  });

  it("the peer's request waits for data still missing (in progress) and is performed when it arrives", async () => {
    // Drop A's DATA packets once so B sees the RE-CONFIG before the last TSN.
    const dropped = new Set<number>();
    const link = new MemoryLink({
      filter: (from, p) => {
        if (from !== 0) return p;
        const d = decodePacket(p, { acceptZeroChecksum: true });
        const data = d.chunks.find((c) => c.type === 0);
        if (data && data.type === 0 && !dropped.has(data.tsn) && data.userData[0] === 0xee) {
          dropped.add(data.tsn);
          return undefined;
        }
        return p;
      },
    });
    await openLink(link);
    const reset = once<SctpStreamResetEvent>(link.b, "streamreset");
    const msg = once<SctpMessageEvent>(link.b, "message");
    link.a.send(5, 53, Uint8Array.of(0xee));
    link.a.resetStreams([5]);
    expect((await msg).data).toEqual(Uint8Array.of(0xee));
    expect((await reset).streamIds).toEqual([5]);
    await link.close();
  });
});

describe("add streams (RFC 6525 §5.2.5)", () => {
  it("a peer's Add Outgoing Streams request is granted and answered", async () => {
    let tagToB = 0;
    const answers: number[] = [];
    const link = new MemoryLink(
      {
        filter: (from, p) => {
          const d = decodePacket(p, { acceptZeroChecksum: true });
          if (from === 0) tagToB = d.verificationTag;
          for (const c of d.chunks)
            if (c.type === ChunkType.ReConfig)
              for (const r of c.params) if (r.type === ParamType.ReconfigResponse) answers.push(r.result);
          return p;
        },
      },
      { maxOutboundStreams: 10 },
      { maxInboundStreams: 100 },
    );
    await openLink(link);
    expect(link.b.maxInboundStreams).toBe(10);
    const reqSeq = link.a.tcb!.c.localInitialTsn; // A's first request sequence number (RFC 6525 §5.1.1)
    link.b.handlePacket(
      encodePacket({
        sourcePort: 5000,
        destinationPort: 5000,
        verificationTag: tagToB,
        chunks: [
          {
            type: ChunkType.ReConfig,
            params: [{ type: ParamType.AddOutgoingStreams, requestSeq: reqSeq, newStreams: 6 }],
          },
        ],
      }),
    );
    await new Promise((r) => setImmediate(r));
    expect(link.b.maxInboundStreams).toBe(16);
    expect(answers).toEqual([ReconfigResult.SuccessPerformed]);
    await link.close();
  });
});
