import { forceGc, withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, test } from "vitest";
import type { SctpAssociation } from "./association.js";
import type { SctpCloseEvent } from "./association-types.js";
import { MemoryLink, once, openLink } from "./memory-link.test-helper.js";
import { ChunkType } from "./packet/constants.js";
import { decodePacket } from "./packet/packet.js";

function dropping(types: number[], from: 0 | 1 = 1) {
  return (f: 0 | 1, p: Uint8Array) => {
    if (f !== from) return p;
    const d = decodePacket(p, { acceptZeroChecksum: true });
    return d.chunks.some((c) => types.includes(c.type as number)) ? undefined : p;
  };
}

async function closeTwice(a: SctpAssociation): Promise<SctpCloseEvent | undefined> {
  let event: SctpCloseEvent | undefined;
  a.addEventListener("close", (e) => {
    event = e as SctpCloseEvent;
  });
  await a.close();
  await a.close();
  expect(a.state).toBe("closed");
  expect(() => a.send(0, 51, Uint8Array.of(1))).toThrowError(expect.objectContaining({ code: "ERR_CLOSED" }));
  return event;
}

describe("teardown from every state (leak-checked: no timer, immediate or listener left)", () => {
  test("never connected", async () => {
    await withLeakCheck(async () => {
      const link = new MemoryLink();
      const e = await closeTwice(link.a);
      expect(e?.error).toBeUndefined();
      await link.close();
    });
  });

  test("cookie-wait (the peer never answers)", async () => {
    await withLeakCheck(async () => {
      const link = new MemoryLink({ filter: () => undefined });
      link.a.connect();
      expect(link.a.state).toBe("cookie-wait");
      await new Promise((r) => setTimeout(r, 20));
      await closeTwice(link.a);
      await link.close();
    });
  });

  test("cookie-echoed (COOKIE-ACK lost)", async () => {
    await withLeakCheck(async () => {
      const link = new MemoryLink({ filter: dropping([ChunkType.CookieAck]) });
      link.a.connect();
      while (link.a.state !== "cookie-echoed") await new Promise((r) => setImmediate(r));
      await closeTwice(link.a);
      await link.close();
    });
  });

  test("established with data in flight and queued; the peer sees ABORT", async () => {
    await withLeakCheck(async () => {
      const link = new MemoryLink();
      await openLink(link);
      for (let i = 0; i < 30; i++) link.a.send(0, 53, new Uint8Array(60_000));
      await new Promise((r) => setImmediate(r));
      expect(link.a.getStats().flightSize).toBeGreaterThan(0);
      expect(link.a.bufferedAmount(0)).toBeGreaterThan(0);
      const peer = once<SctpCloseEvent>(link.b, "close");
      await closeTwice(link.a);
      expect((await peer).error?.code).toBe("ERR_ABORTED_BY_PEER");
      await link.close();
    });
  });

  test("established and idle with a HEARTBEAT out (its ACK lost)", async () => {
    await withLeakCheck(async () => {
      const quick = { heartbeatInterval: 10, rtoInitial: 50, rtoMin: 50 };
      const link = new MemoryLink({ filter: dropping([ChunkType.HeartbeatAck]) }, quick);
      await openLink(link);
      while (link.a.getStats().heartbeatsSent === 0) await new Promise((r) => setTimeout(r, 5));
      await closeTwice(link.a);
      await link.close();
    });
  });

  test("shutdown-pending (data never acked): close() settles shutdown()", async () => {
    await withLeakCheck(async () => {
      const link = new MemoryLink({ filter: dropping([ChunkType.Sack]) });
      await openLink(link);
      link.a.send(0, 53, new Uint8Array(10_000));
      await new Promise((r) => setImmediate(r));
      const done = link.a.shutdown();
      expect(link.a.state).toBe("shutdown-pending");
      await closeTwice(link.a);
      await done;
      await link.close();
    });
  });

  test("shutdown-sent (SHUTDOWN-ACK lost)", async () => {
    await withLeakCheck(async () => {
      const link = new MemoryLink({ filter: dropping([ChunkType.ShutdownAck]) });
      await openLink(link);
      const done = link.a.shutdown();
      while (link.a.state !== "shutdown-sent") await new Promise((r) => setImmediate(r));
      await closeTwice(link.a);
      await done;
      await link.close();
    });
  });

  test("shutdown-received and shutdown-ack-sent (SHUTDOWN-COMPLETE lost) on the other side", async () => {
    await withLeakCheck(async () => {
      const link = new MemoryLink({ filter: dropping([ChunkType.ShutdownComplete], 0) });
      await openLink(link);
      void link.a.shutdown();
      while (link.b.state !== "shutdown-ack-sent") await new Promise((r) => setImmediate(r));
      await closeTwice(link.b);
      await link.close();
    });
  });

  test("after a graceful shutdown; the AbortSignal route; asyncDispose", async () => {
    await withLeakCheck(async () => {
      const ac = new AbortController();
      const link = new MemoryLink({}, { signal: ac.signal });
      await openLink(link);
      const bClosed = once<SctpCloseEvent>(link.b, "close");
      await link.a.shutdown();
      expect((await bClosed).error).toBeUndefined();
      await closeTwice(link.a);

      const link2 = new MemoryLink({}, { signal: ac.signal });
      await openLink(link2);
      const peer = once<SctpCloseEvent>(link2.b, "close");
      ac.abort();
      expect(link2.a.state).toBe("closed");
      expect((await peer).error?.code).toBe("ERR_ABORTED_BY_PEER");
      {
        await using link3 = new MemoryLink();
        await openLink(link3);
      }
      await link.close();
      await link2.close();
    });
  });

  test("a closed association and its link are garbage-collected", async () => {
    let ref: WeakRef<SctpAssociation> | undefined;
    await (async () => {
      const link = new MemoryLink({ loss: 0.1, seed: 9 });
      await openLink(link);
      for (let i = 0; i < 10; i++) link.a.send(0, 53, new Uint8Array(30_000));
      await new Promise((r) => setTimeout(r, 10));
      ref = new WeakRef(link.a);
      await link.close();
    })();
    await new Promise((r) => setTimeout(r, 20));
    expect(await forceGc()).toBe(true);
    expect(ref!.deref()).toBeUndefined();
  });
});
