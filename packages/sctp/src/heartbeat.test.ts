import { describe, expect, it } from "vitest";
import type { SctpCloseEvent, SctpMessageEvent } from "./association-types.js";
import { MemoryLink, once, openLink } from "./memory-link.test-helper.js";
import { ChunkType } from "./packet/constants.js";
import { decodePacket, encodePacket } from "./packet/packet.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` holds, at most ~4 s (a loaded machine is slow; a broken association never gets there). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await sleep(10);
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

/** Chunk types of a packet (the link's packets are whole and checked). */
const types = (p: Uint8Array) => decodePacket(p, { skipChecksum: true }).chunks.map((c) => c.type);

/** Short timers so a test takes about a second: HB.interval 30 ms, RTO 20..40 ms. */
const quick = { heartbeatInterval: 30, rtoInitial: 20, rtoMin: 20, rtoMax: 40 };
/** The same with an RTO an answer can meet on a loaded machine (a late ACK counts as unanswered). */
const patient = { heartbeatInterval: 10, rtoInitial: 100, rtoMin: 100, rtoMax: 200 };

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
      patient,
      { heartbeatInterval: 0 },
    );
    await openLink(link);
    expect(link.a.getStats().srtt).toBeUndefined(); // no DATA yet: nothing measured the RTT
    await until(() => link.a.getStats().heartbeatAcks >= 2, "two HEARTBEAT-ACKs");
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
    await until(() => link.a.getStats().heartbeatAcks > 0, "a HEARTBEAT-ACK");
    cut = true;
    // 11 unanswered, each one HB period (30 ms + RTO) plus one RTO (backed off, at most 40 ms): ~1.2 s.
    const closed = await once<SctpCloseEvent>(link.a, "close", 8000);
    expect(closed.error?.code).toBe("ERR_TOO_MANY_RETRANSMISSIONS");
    expect(link.a.state).toBe("closed");
    expect(link.a.getStats().heartbeatTimeouts).toBeGreaterThanOrEqual(11);
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
      { heartbeatInterval: 10, rtoInitial: 30, rtoMin: 30, rtoMax: 60 },
    );
    await openLink(link);
    // Past 11 errors in all unless each answer cleared the counter.
    await until(
      () => link.a.getStats().heartbeatTimeouts >= 12 || link.a.state === "closed",
      "12 unanswered",
    );
    const s = link.a.getStats();
    expect(s.heartbeatAcks).toBeGreaterThanOrEqual(2);
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
    const closed = await once<SctpCloseEvent>(link.a, "close", 8000);
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
