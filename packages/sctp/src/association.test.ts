import { describe, expect, it } from "vitest";
import { SctpAssociation } from "./association.js";
import type { SctpCloseEvent, SctpMessageEvent } from "./association-types.js";
import { MemoryLink, once, openLink } from "./memory-link.test-helper.js";

const enc = new TextEncoder();

describe("options", () => {
  it("out-of-range options are ERR_INVALID_ARGUMENT; the window holds a whole message", () => {
    const transport = { send: () => {} };
    for (const bad of [
      { mtu: 100 },
      { rtoMin: 0 },
      { maxOutboundStreams: 0 },
      { cookieLifetime: -1 },
      { localPort: 70000 },
    ])
      expect(() => new SctpAssociation({ transport, ...bad })).toThrowError(
        expect.objectContaining({ code: "ERR_INVALID_ARGUMENT" }),
      );
    const a = new SctpAssociation({ transport, receiveWindow: 16384, maxMessageSize: 1_000_000 });
    expect(a.o.receiveWindow).toBe(1_000_000 + 65536);
    void a.close();
  });
});

describe("association setup", () => {
  it("one side connects: INIT, INIT-ACK, COOKIE-ECHO, COOKIE-ACK", async () => {
    const link = new MemoryLink();
    await openLink(link, true);
    expect(link.a.state).toBe("established");
    expect(link.b.state).toBe("established");
    expect(link.a.maxOutboundStreams).toBe(65535);
    const got = once<SctpMessageEvent>(link.b, "message");
    link.a.send(1, 51, enc.encode("hello"));
    const m = await got;
    expect([m.streamId, m.ppid, new TextDecoder().decode(m.data)]).toEqual([1, 51, "hello"]);
    await link.close();
  });

  it("both sides connect at once (WebRTC): one association, data both ways", async () => {
    const link = new MemoryLink();
    await openLink(link);
    const gotB = once<SctpMessageEvent>(link.b, "message");
    const gotA = once<SctpMessageEvent>(link.a, "message");
    link.a.send(0, 53, Uint8Array.of(1));
    link.b.send(0, 53, Uint8Array.of(2));
    expect((await gotB).data).toEqual(Uint8Array.of(1));
    expect((await gotA).data).toEqual(Uint8Array.of(2));
    await link.close();
  });

  it("both sides connect at once over a link losing, duplicating and reordering 30 % of packets", async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const quick = { rtoInitial: 50 };
      const link = new MemoryLink({ loss: 0.3, duplicate: 0.3, reorder: 0.3, seed }, quick, quick);
      await openLink(link);
      const got = once<SctpMessageEvent>(link.b, "message");
      link.a.send(0, 51, enc.encode(`seed ${seed}`));
      expect(new TextDecoder().decode((await got).data)).toBe(`seed ${seed}`);
      expect([link.a.state, link.b.state]).toEqual(["established", "established"]);
      await link.close();
    }
  });

  it("negotiates stream counts as the minimum of both sides", async () => {
    const link = new MemoryLink({}, { maxOutboundStreams: 10 }, { maxInboundStreams: 5 });
    await openLink(link);
    expect(link.a.maxOutboundStreams).toBe(5);
    expect(link.b.maxInboundStreams).toBe(5);
    expect(() => link.a.send(5, 51, enc.encode("x"))).toThrowError(
      expect.objectContaining({ code: "ERR_INVALID_ARGUMENT" }),
    );
    await link.close();
  });

  it("shutdown: both ends close without error after the data arrived", async () => {
    const link = new MemoryLink();
    await openLink(link);
    const received: number[] = [];
    link.b.addEventListener("message", (e) => received.push((e as SctpMessageEvent).data.length));
    for (let i = 1; i <= 20; i++) link.a.send(0, 53, new Uint8Array(i * 1000));
    const closedB = once<SctpCloseEvent>(link.b, "close");
    await link.a.shutdown();
    const e = await closedB;
    expect(e.error).toBeUndefined();
    expect(received).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 1000));
    expect(link.a.state).toBe("closed");
    await link.close();
  });

  it("abort: the peer closes with ERR_ABORTED_BY_PEER", async () => {
    const link = new MemoryLink();
    await openLink(link);
    const closedB = once<SctpCloseEvent>(link.b, "close");
    link.a.abort("bye");
    expect((await closedB).error?.code).toBe("ERR_ABORTED_BY_PEER");
    await link.close();
  });
});
