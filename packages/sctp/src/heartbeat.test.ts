import { describe, expect, it } from "vitest";
import type { SctpCloseEvent, SctpMessageEvent } from "./association-types.js";
import { MemoryLink, once, openLink } from "./memory-link.test-helper.js";
import { ChunkType } from "./packet/constants.js";
import { decodePacket, encodePacket } from "./packet/packet.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Chunk types of a packet (the link's packets are whole and checked). */
const types = (p: Uint8Array) => decodePacket(p, { skipChecksum: true }).chunks.map((c) => c.type);

/** Short timers so a test takes well under a second: HB.interval 30 ms, RTO 20..40 ms. */
const quick = { heartbeatInterval: 30, rtoInitial: 20, rtoMin: 20, rtoMax: 40 };

describe("HEARTBEAT (RFC 9260 §8.3)", () => {
  it("an idle association sends HEARTBEATs, the peer answers, and the ACK gives an RTT sample", async () => {
    const heartbeats: number[] = [];
    const link = new MemoryLink(
      {
        filter: (from, p) => {
          if (types(p).includes(ChunkType.Heartbeat)) heartbeats.push(from);
          return p;
        },
      },
      quick,
      { heartbeatInterval: 0 },
    );
    await openLink(link);
    expect(link.a.getStats().srtt).toBeUndefined(); // no DATA yet: nothing measured the RTT
    await sleep(300);
    const s = link.a.getStats();
    expect(s.heartbeatsSent).toBeGreaterThanOrEqual(2);
    expect(s.heartbeatAcks).toBeGreaterThanOrEqual(s.heartbeatsSent - 1); // the last may still be out
    expect(s.heartbeatTimeouts).toBe(0);
    expect(s.srtt).toBeGreaterThanOrEqual(0);
    // heartbeatInterval 0 on B: only A sends them.
    expect(new Set(heartbeats)).toEqual(new Set([0]));
    expect(link.b.getStats().heartbeatsSent).toBe(0);
    expect([link.a.state, link.b.state]).toEqual(["established", "established"]);
    await link.close();
  });

  it("no HEARTBEAT while DATA flows: the path is not idle", async () => {
    const link = new MemoryLink({}, { ...quick, heartbeatInterval: 200 });
    await openLink(link);
    let received = 0;
    link.b.addEventListener("message", (e) => {
      received += (e as SctpMessageEvent).data.length;
    });
    // A message every 20 ms for 500 ms: never idle for a heartbeat period (200 ms + RTO).
    for (let i = 0; i < 25; i++) {
      link.a.send(0, 53, new Uint8Array(1000));
      await sleep(20);
    }
    expect(received).toBe(25_000);
    expect(link.a.getStats().heartbeatsSent).toBe(0);
    await link.close();
  });

  it("a path that stops answering fails the association after Association.Max.Retrans unanswered HEARTBEATs", async () => {
    let cut = false;
    const link = new MemoryLink({ filter: (_from, p) => (cut ? undefined : p) }, quick);
    await openLink(link);
    await sleep(100);
    expect(link.a.getStats().heartbeatAcks).toBeGreaterThan(0);
    cut = true;
    const start = performance.now();
    const closed = await once<SctpCloseEvent>(link.a, "close", 5000);
    expect(closed.error?.code).toBe("ERR_TOO_MANY_RETRANSMISSIONS");
    expect(link.a.state).toBe("closed");
    // 11 unanswered: each one HB period (30 ms + RTO) plus one RTO (backed off, at most 40 ms) to time out.
    expect(performance.now() - start).toBeLessThan(11 * (30 + 60 + 40) + 500);
    await link.close();
  });

  it("an answer resets the error count: lost HEARTBEATs below the limit do not fail the association", async () => {
    let dropped = 0;
    const link = new MemoryLink(
      {
        filter: (from, p) => {
          // Every HEARTBEAT-ACK lost except one in five.
          if (from === 1 && types(p).includes(ChunkType.HeartbeatAck) && dropped++ % 5 !== 4)
            return undefined;
          return p;
        },
      },
      quick,
    );
    await openLink(link);
    await sleep(900);
    const s = link.a.getStats();
    expect(s.heartbeatTimeouts).toBeGreaterThanOrEqual(4);
    expect(s.heartbeatAcks).toBeGreaterThanOrEqual(1);
    expect(link.a.state).toBe("established");
    await link.close();
  });

  it("a HEARTBEAT-ACK with a forged nonce or bad information is ignored (the association fails, it does not crash)", async () => {
    let forged = 0;
    const link = new MemoryLink(
      {
        filter: (from, p) => {
          const packet = decodePacket(p, { skipChecksum: true });
          const ack = packet.chunks[0];
          if (from !== 1 || ack?.type !== ChunkType.HeartbeatAck) return p;
          forged++;
          // Alternately a flipped nonce bit and information of the wrong length.
          const info = forged % 2 ? ack.info.slice() : new Uint8Array(3);
          if (forged % 2) info[0] = info[0]! ^ 1;
          return encodePacket({ ...packet, chunks: [{ type: ChunkType.HeartbeatAck, info }] });
        },
      },
      quick,
    );
    await openLink(link);
    const closed = await once<SctpCloseEvent>(link.a, "close", 5000);
    expect(closed.error?.code).toBe("ERR_TOO_MANY_RETRANSMISSIONS");
    expect(forged).toBeGreaterThan(10);
    expect(link.a.getStats().heartbeatAcks).toBe(0);
    await link.close();
  });

  it("heartbeatInterval is bounded (0 disables)", async () => {
    const { SctpAssociation } = await import("./association.js");
    const transport = { send: () => {} };
    for (const bad of [-1, 1.5, 86_400_001])
      expect(() => new SctpAssociation({ transport, heartbeatInterval: bad })).toThrowError(
        expect.objectContaining({ code: "ERR_INVALID_ARGUMENT" }),
      );
    await new SctpAssociation({ transport, heartbeatInterval: 0 }).close();
  });
});
