import { describe, expect, it } from "vitest";
import type { SctpCloseEvent, SctpMessageEvent, SctpStreamResetEvent } from "./association-types.js";
import { once } from "./memory-link.test-helper.js";
import { decodePacket } from "./packet/packet.js";
import { weriftPeer } from "./werift.test-helper.js";

// werift 0.25.2's SCTP (an independent TypeScript implementation, in-process)
// as the peer, with each side sending the INIT.

async function exercise(peer: ReturnType<typeof weriftPeer>): Promise<void> {
  const { ours, werift } = peer;
  // werift echoes every message back on the same stream.
  werift.onReceive.subscribe((streamId, ppid, data) => {
    void werift.send(streamId, ppid, data, { ordered: true });
  });
  const got: SctpMessageEvent[] = [];
  ours.addEventListener("message", (e) => got.push(e as SctpMessageEvent));
  const enc = new TextEncoder();
  for (let i = 0; i < 100; i++) ours.send(1, 51, enc.encode(`message ${i}`));
  const big = new Uint8Array(200_000).map((_, i) => i & 0xff);
  ours.send(2, 53, big);
  while (got.length < 101) await once(ours, "message", 10_000);
  expect(got.filter((m) => m.streamId === 1).map((m) => new TextDecoder().decode(m.data))).toEqual(
    Array.from({ length: 100 }, (_, i) => `message ${i}`),
  );
  const echoed = got.find((m) => m.streamId === 2)!;
  expect(Buffer.compare(Buffer.from(echoed.data), Buffer.from(big))).toBe(0);
  // Closing a channel: we reset our outgoing stream 1; werift resets its own back.
  const resetSeen = new Promise<number[]>((resolve) =>
    werift.onReconfigStreams.subscribe((ids) => resolve(ids)),
  );
  const backAtUs = once<SctpStreamResetEvent>(ours, "streamreset");
  ours.resetStreams([1]);
  expect(await resetSeen).toContain(1);
  expect((await backAtUs).streamIds).toEqual([1]);
  // Stream 1 again, from SSN 0.
  ours.send(1, 51, enc.encode("reopened"));
  const m = await once<SctpMessageEvent>(ours, "message");
  expect(new TextDecoder().decode(m.data)).toBe("reopened");
  // Zero checksum is not offered by werift: every packet of ours carries a CRC32c werift checked.
  for (const p of peer.packets) expect(() => decodePacket(p.bytes)).not.toThrow();
}

describe("interop with werift's SCTP (in-process, memory link)", () => {
  it("we send the INIT (werift is the server)", async () => {
    const peer = weriftPeer("server");
    const connected = peer.werift.stateChanged.connected.asPromise();
    await peer.werift.start(5000);
    const opened = once(peer.ours, "open");
    peer.ours.connect();
    await opened;
    await connected;
    await exercise(peer);
    const closed = once<SctpCloseEvent>(peer.ours, "close");
    await peer.ours.shutdown();
    expect((await closed).error).toBeUndefined();
    await peer.close();
  });

  it("werift sends the INIT (we answer without having called connect)", async () => {
    const peer = weriftPeer("client");
    const opened = once(peer.ours, "open");
    await peer.werift.start(5000);
    await opened;
    expect(peer.ours.state).toBe("established");
    peer.ours.connect(); // a no-op now, as when both ends call it late
    await exercise(peer);
    // werift ends it: ABORT (its stop()), seen as ERR_ABORTED_BY_PEER.
    const closed = once<SctpCloseEvent>(peer.ours, "close");
    await peer.werift.stop();
    expect((await closed).error?.code).toBe("ERR_ABORTED_BY_PEER");
    await peer.close();
  });

  it("both send INIT at once (simultaneous open, RFC 9260 §5.2.1)", async () => {
    const peer = weriftPeer("client");
    const opened = once(peer.ours, "open");
    const connected = peer.werift.stateChanged.connected.asPromise();
    peer.ours.connect();
    await peer.werift.start(5000);
    await opened;
    await connected;
    const got = once<SctpMessageEvent>(peer.ours, "message");
    void peer.werift.send(0, 51, Buffer.from("after a collision"), { ordered: true });
    expect(new TextDecoder().decode((await got).data)).toBe("after a collision");
    const back = new Promise<string>((resolve) =>
      peer.werift.onReceive.subscribe((_s, _p, d) => resolve(d.toString())),
    );
    peer.ours.send(0, 51, new TextEncoder().encode("and back"));
    expect(await back).toBe("and back");
    // Both INITs really went out.
    const inits = (from: "ours" | "werift") =>
      peer.packets.filter((p) => p.from === from && p.bytes[12] === 1).length;
    expect(inits("ours")).toBeGreaterThanOrEqual(1);
    expect(inits("werift")).toBeGreaterThanOrEqual(1);
    await peer.close();
  });

  it("werift's data reaches us at 10 % loss in both directions", async () => {
    const peer = weriftPeer("client", {}, 0.1);
    const opened = once(peer.ours, "open");
    await peer.werift.start(5000);
    await opened;
    const got: number[] = [];
    peer.ours.addEventListener("message", (e) => got.push((e as SctpMessageEvent).data[0]!));
    for (let i = 0; i < 50; i++) void peer.werift.send(3, 53, Buffer.alloc(3000, i), { ordered: true });
    while (got.length < 50) await once(peer.ours, "message", 20_000);
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
    // and ours reaches werift
    const back: number[] = [];
    peer.werift.onReceive.subscribe((_s, _p, d) => back.push(d[0]!));
    for (let i = 0; i < 50; i++) peer.ours.send(4, 53, new Uint8Array(3000).fill(i));
    for (let i = 0; i < 400 && back.length < 50; i++) await new Promise((r) => setTimeout(r, 25));
    expect(back).toEqual(Array.from({ length: 50 }, (_, i) => i));
    await peer.close();
  });

  it("werift answers our HEARTBEATs on an idle association: RTT measured, no errors", async () => {
    const peer = weriftPeer("server", { heartbeatInterval: 20, rtoInitial: 100, rtoMin: 100 });
    await peer.werift.start(5000);
    const opened = once(peer.ours, "open");
    peer.ours.connect();
    await opened;
    for (let i = 0; i < 100 && peer.ours.getStats().heartbeatAcks < 3; i++)
      await new Promise((r) => setTimeout(r, 20));
    const s = peer.ours.getStats();
    expect(s.heartbeatAcks).toBeGreaterThanOrEqual(3);
    expect(s.heartbeatTimeouts).toBe(0);
    expect(s.srtt).toBeGreaterThanOrEqual(0);
    expect(peer.ours.state).toBe("established");
    await peer.close();
  });
});
