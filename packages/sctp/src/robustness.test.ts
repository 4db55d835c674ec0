import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SctpAssociation } from "./association.js";
import type { SctpCloseEvent, SctpMessageEvent } from "./association-types.js";
import { COOKIE_SIZE } from "./cookie.js";
import { MemoryLink, once, openLink } from "./memory-link.test-helper.js";
import { arbChunk } from "./packet/arbitraries.test-helper.js";
import { CauseCode, ChunkType } from "./packet/constants.js";
import type { DataChunk } from "./packet/data.js";
import { decodePacket, encodePacket } from "./packet/packet.js";
import { MAX_TSN_WINDOW } from "./reassembly.js";

function chunkTypes(p: Uint8Array): (number | string)[] {
  return decodePacket(p, { acceptZeroChecksum: true }).chunks.map((c) => c.type);
}

describe("state cookies", () => {
  it("a forged cookie is dropped and sets nothing up", () => {
    const sent: Uint8Array[] = [];
    const b = new SctpAssociation({ transport: { send: (p) => sent.push(p) } });
    const forged = encodePacket({
      sourcePort: 5000,
      destinationPort: 5000,
      verificationTag: 1,
      chunks: [{ type: ChunkType.CookieEcho, cookie: new Uint8Array(COOKIE_SIZE).fill(7) }],
    });
    b.handlePacket(forged);
    expect(b.state).toBe("closed");
    expect(sent).toEqual([]);
    expect(b.getStats().packetsDropped).toBe(1);
    void b.close();
  });

  it("a replayed COOKIE-ECHO changes nothing; to another association it is forged", async () => {
    let cookieEcho: Uint8Array | undefined;
    const link = new MemoryLink({
      filter: (from, p) => {
        if (from === 0 && chunkTypes(p)[0] === ChunkType.CookieEcho) cookieEcho = p.slice();
        return p;
      },
    });
    await openLink(link, true);
    let opens = 0;
    link.b.addEventListener("open", () => opens++);
    link.b.handlePacket(cookieEcho!);
    link.b.handlePacket(cookieEcho!);
    expect(link.b.state).toBe("established");
    const got = once<SctpMessageEvent>(link.b, "message");
    link.a.send(0, 51, Uint8Array.of(1));
    expect((await got).data).toEqual(Uint8Array.of(1));
    expect(opens).toBe(0);
    const other = new SctpAssociation({ transport: { send: () => {} } });
    other.handlePacket(cookieEcho!);
    expect(other.state).toBe("closed");
    expect(other.getStats().packetsDropped).toBe(1);
    await other.close();
    await link.close();
  });

  it("a stale cookie gets a Stale Cookie ERROR; the initiator starts over and gets in", async () => {
    let hold = true;
    let held: Uint8Array | undefined;
    const staleErrors: number[] = [];
    const link = new MemoryLink(
      {
        filter: (from, p) => {
          if (from === 1) {
            const d = decodePacket(p, { acceptZeroChecksum: true });
            for (const c of d.chunks)
              if (c.type === ChunkType.Error) staleErrors.push(...c.causes.map((x) => x.code));
          }
          if (hold && from === 0 && chunkTypes(p)[0] === ChunkType.CookieEcho) {
            held = p.slice();
            return undefined;
          }
          return p;
        },
      },
      { rtoInitial: 1000 },
      { cookieLifetime: 30 },
    );
    const opened = Promise.all([once(link.a, "open"), once(link.b, "open")]);
    link.a.connect();
    while (!held) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 60));
    hold = false;
    link.b.handlePacket(held);
    await opened;
    expect(link.a.state).toBe("established");
    expect(staleErrors).toEqual([CauseCode.StaleCookie]);
    await link.close();
  });
});

describe("restart (RFC 9260 §5.2.4 A, tie-tags)", () => {
  it("a peer that lost its state and connects again is taken as a restart", async () => {
    const link = new MemoryLink();
    await openLink(link);
    // B "reboots": a new association with B's transport, talking to A.
    const toA: Uint8Array[] = [];
    const b2 = new SctpAssociation({ transport: { send: (p) => toA.push(p) } });
    const fromA: Uint8Array[] = [];
    const a = link.a;
    link.cut();
    // Rewire A's packets to b2 by hand.
    (a as unknown as { transport: { send: (p: Uint8Array) => void } }).transport = {
      send: (p) => fromA.push(p),
    };
    const opened = once(b2, "open");
    b2.connect();
    for (let i = 0; i < 10 && b2.state !== "established"; i++) {
      for (const p of toA.splice(0)) a.handlePacket(p);
      for (const p of fromA.splice(0)) b2.handlePacket(p);
    }
    await opened;
    expect(a.state).toBe("established");
    const got = once<SctpMessageEvent>(b2, "message");
    a.send(0, 51, Uint8Array.of(42));
    await new Promise((r) => setImmediate(r));
    for (const p of fromA.splice(0)) b2.handlePacket(p);
    expect((await got).data).toEqual(Uint8Array.of(42));
    await b2.close();
    await link.close();
  });
});

describe("hostile or absent peers", () => {
  it("a peer that never acks: bounded flight, then closed with ERR_TOO_MANY_RETRANSMISSIONS", async () => {
    let silent = false;
    const quick = { rtoInitial: 20, rtoMin: 10, rtoMax: 40 };
    const link = new MemoryLink(
      { filter: (from, p) => (silent && from === 1 ? undefined : p) },
      quick,
      quick,
    );
    await openLink(link);
    silent = true;
    const closed = once<SctpCloseEvent>(link.a, "close");
    for (let i = 0; i < 64; i++) link.a.send(0, 53, new Uint8Array(65536));
    await new Promise((r) => setTimeout(r, 50));
    const s = link.a.getStats();
    expect(s.flightSize).toBeLessThanOrEqual(64 * 1024);
    expect(link.a.bufferedAmount(0)).toBeGreaterThan(3 * 1024 * 1024);
    expect((await closed).error?.code).toBe("ERR_TOO_MANY_RETRANSMISSIONS");
    expect(link.a.bufferedAmount(0)).toBe(0);
    expect(() => link.a.send(0, 53, Uint8Array.of(1))).toThrowError(
      expect.objectContaining({ code: "ERR_CLOSED" }),
    );
    await link.close();
  });

  it("a flood of out-of-window and in-window TSNs stays within the receive window", async () => {
    let tagToB = 0;
    let cum = 0;
    const link = new MemoryLink(
      {
        filter: (from, p) => {
          if (from === 0) tagToB = decodePacket(p, { acceptZeroChecksum: true }).verificationTag;
          return p;
        },
      },
      {},
      { receiveWindow: 300_000, maxMessageSize: 65536 },
    );
    await openLink(link);
    const got = once<SctpMessageEvent>(link.b, "message");
    link.a.send(0, 51, Uint8Array.of(1));
    await got;
    cum = link.b.tcb!.receiver.cumTsn;
    const data = (tsn: number, n: number): DataChunk => ({
      type: ChunkType.Data,
      tsn: tsn >>> 0,
      streamId: 9,
      ssn: (tsn - cum) & 0xffff,
      ppid: 53,
      userData: new Uint8Array(n),
      unordered: false,
      beginning: true,
      ending: false,
      immediate: false,
    });
    const send = (chunks: DataChunk[]) =>
      link.b.handlePacket(
        encodePacket({ sourcePort: 5000, destinationPort: 5000, verificationTag: tagToB, chunks }),
      );
    // Out of window: far ahead.
    for (let i = 0; i < 2000; i++) send([data(cum + MAX_TSN_WINDOW + 10 + i, 1000)]);
    const before = link.b.tcb!.receiver.aRwnd;
    expect(before).toBeGreaterThan(290_000);
    // In window: incomplete fragments that never complete fill the window, then are dropped.
    for (let i = 0; i < 5000; i++) send([data(cum + 2 + i, 1000)]);
    expect(link.b.tcb!.receiver.aRwnd).toBeLessThan(2000);
    await new Promise((r) => setImmediate(r));
    expect(link.b.state).toBe("established");
    await link.close();
  });

  it("handlePacket never throws, whatever arrives, in any state", () => {
    const a = new SctpAssociation({ transport: { send: () => {} } });
    const b = new SctpAssociation({ transport: { send: (p) => a.handlePacket(p) } });
    a.connect();
    fc.assert(
      fc.property(fc.array(arbChunk, { minLength: 1, maxLength: 4 }), fc.boolean(), (chunks, useTag) => {
        const tag = useTag ? (a.tcb?.localTag ?? 0) : 0;
        const p = encodePacket({ sourcePort: 5000, destinationPort: 5000, verificationTag: tag, chunks });
        a.handlePacket(p);
        b.handlePacket(p);
      }),
      { numRuns: 3000 },
    );
    void a.close();
    void b.close();
  });
});

describe("bundling after COOKIE-ECHO", () => {
  it("DATA bundled behind a COOKIE-ECHO under another tag is not processed; under ours it is", async () => {
    let echo: Uint8Array | undefined;
    const link = new MemoryLink({
      filter: (from, p) => {
        if (from === 0 && chunkTypes(p)[0] === ChunkType.CookieEcho) echo = p.slice();
        return p;
      },
    });
    await openLink(link, true);
    const d = decodePacket(echo!);
    const data: DataChunk = {
      type: ChunkType.Data,
      tsn: link.b.tcb!.receiver.cumTsn + 1,
      streamId: 0,
      ssn: 0,
      ppid: 51,
      userData: Uint8Array.of(7),
      unordered: false,
      beginning: true,
      ending: true,
      immediate: false,
    };
    // The COOKIE-ECHO exempts the packet from the tag check (§8.5.1); what follows it must not ride along.
    const forged = encodePacket({
      ...d,
      verificationTag: (d.verificationTag ^ 1) >>> 0,
      chunks: [{ type: ChunkType.CookieEcho, cookie: new Uint8Array(COOKIE_SIZE) }, data],
    });
    let messages = 0;
    link.b.addEventListener("message", () => messages++);
    link.b.handlePacket(forged);
    expect(messages).toBe(0);
    link.b.handlePacket(encodePacket({ ...d, chunks: [...d.chunks, data] }));
    expect(messages).toBe(1);
    await link.close();
  });
});
