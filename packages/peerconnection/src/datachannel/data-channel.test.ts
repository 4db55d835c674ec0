import type { SctpAssociation, SctpMessageEvent } from "@purertc/sctp";
import { forceGc, withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { trickle, waitForState } from "../pair.test-helper.js";
import { PeerConnection } from "../peer-connection.js";
import { parseSdp, serializeSdp } from "../sdp/index.js";
import { connectedPair, nextEvent, nextMessage, openChannel, until } from "./channel.test-helper.js";
import { type DataChannel, MAX_QUEUED_BYTES } from "./data-channel.js";

describe("data channels purertc ↔ purertc, in process", () => {
  it("open from either side with ids by DTLS role, carry every message type, and say so in pc.sctp", async () => {
    await withLeakCheck(async () => {
      const [a, b] = await connectedPair();
      expect(a.sctp?.transport.state).toBe("connected");
      const [ab, ba] = await openChannel(a, b, "from-a", { protocol: "p1" });
      const [bb, bbRemote] = await openChannel(b, a, "from-b", { ordered: false, maxRetransmits: 0 });
      // The offerer is the DTLS server: odd ids; the answerer (client) even (RFC 8832 §6).
      expect(ab.id! % 2).toBe(1);
      expect(bb.id! % 2).toBe(0);
      expect(ba).toMatchObject({
        label: "from-a",
        protocol: "p1",
        id: ab.id,
        ordered: true,
        negotiated: false,
      });
      expect(ba.readyState).toBe("open");
      expect(bbRemote).toMatchObject({ label: "from-b", ordered: false, maxRetransmits: 0 });
      expect(a.sctp).toMatchObject({ state: "connected", maxMessageSize: 262144 });
      expect(a.sctp!.maxChannels).toBeGreaterThanOrEqual(1024);

      // string, ArrayBuffer, a view into a larger buffer, a Blob, empty string, empty binary.
      const got: unknown[] = [];
      ba.addEventListener("message", (e) => got.push(e.data));
      ab.send("héllo");
      ab.send(Uint8Array.of(1, 2, 3).buffer);
      ab.send(new Uint8Array([9, 4, 5, 6, 9]).subarray(1, 4));
      ab.send(new Blob([Uint8Array.of(7, 8)]));
      ab.send("");
      ab.send(new ArrayBuffer(0));
      ab.send("after");
      await until(() => got.length === 7, "7 messages");
      expect(got[0]).toBe("héllo");
      expect(new Uint8Array(got[1] as ArrayBuffer)).toEqual(Uint8Array.of(1, 2, 3));
      expect(new Uint8Array(got[2] as ArrayBuffer)).toEqual(Uint8Array.of(4, 5, 6));
      expect(new Uint8Array(got[3] as ArrayBuffer)).toEqual(Uint8Array.of(7, 8));
      expect(got[4]).toBe("");
      expect(got[5]).toBeInstanceOf(ArrayBuffer);
      expect((got[5] as ArrayBuffer).byteLength).toBe(0);
      expect(got[6]).toBe("after");

      // binaryType "blob" and the on… attributes.
      bbRemote.binaryType = "blob";
      const blob = new Promise<unknown>((resolve) => {
        bbRemote.onmessage = (e) => resolve(e.data);
      });
      bb.send(Uint8Array.of(42));
      const data = await blob;
      expect(data).toBeInstanceOf(Blob);
      expect(new Uint8Array(await (data as Blob).arrayBuffer())).toEqual(Uint8Array.of(42));
      await a.close();
      await b.close();
    });
  });

  it("send() copies: a buffer reused at once, and messages across the copy slabs, arrive as sent", async () => {
    await withLeakCheck(async () => {
      const [a, b] = await connectedPair();
      const [ab, ba] = await openChannel(a, b, "copies");
      const got: unknown[] = [];
      ba.addEventListener("message", (e) => got.push(e.data));
      // 300 messages of 1–9,000 bytes (across many 8 KiB slabs and past the 4 KiB own-buffer limit), text
      // among them, all from one buffer overwritten after every send.
      const scratch = new Uint8Array(9000);
      const sent: (string | Uint8Array)[] = [];
      for (let i = 0; i < 300; i++) {
        if (i % 7 === 3) {
          const text = `ü€${"x".repeat(i * 13)}${i}`;
          ab.send(text);
          sent.push(text);
          continue;
        }
        const n = 1 + ((i * 7919) % 9000);
        for (let k = 0; k < n; k++) scratch[k] = (i + k) & 0xff;
        ab.send(scratch.subarray(0, n));
        sent.push(scratch.slice(0, n));
        scratch.fill(0xee);
      }
      await until(() => got.length === sent.length, "300 messages");
      for (let i = 0; i < sent.length; i++) {
        const want = sent[i]!;
        if (typeof want === "string") expect(got[i]).toBe(want);
        else {
          expect(got[i]).toBeInstanceOf(ArrayBuffer);
          // Buffer#equals: vitest's deep equality of 9 KB arrays, 300 times, took seconds.
          expect(Buffer.from(got[i] as ArrayBuffer).equals(want), `message ${i}`).toBe(true);
        }
      }
      await a.close();
      await b.close();
    });
  });

  it("PPIDs on the wire: 51/53 for data, 56/57 with one zero byte for empty; the deprecated 52/54 are received", async () => {
    await withLeakCheck(async () => {
      const [a, b] = await connectedPair();
      const [ab, ba] = await openChannel(a, b, "ppid");
      // The associations under the transports (private: read here as the wire's witness).
      const association = (pc: PeerConnection) =>
        (pc.sctp as unknown as { association: SctpAssociation }).association;
      const wire: [number, number[]][] = [];
      association(b).addEventListener("message", (e) => {
        const m = e as SctpMessageEvent;
        if (m.streamId === ab.id) wire.push([m.ppid, [...m.data]]);
      });
      const got: unknown[] = [];
      ba.addEventListener("message", (e) => got.push(e.data));
      ab.send("a");
      ab.send(Uint8Array.of(1));
      ab.send("");
      ab.send(new ArrayBuffer(0));
      association(a).send(ab.id!, 52, new TextEncoder().encode("part"));
      association(a).send(ab.id!, 54, Uint8Array.of(2, 3));
      await until(() => got.length === 6, "6 messages");
      expect(wire).toEqual([
        [51, [97]],
        [53, [1]],
        [56, [0]],
        [57, [0]],
        [52, [...new TextEncoder().encode("part")]],
        [54, [2, 3]],
      ]);
      expect(got.slice(0, 3)).toEqual(["a", expect.any(ArrayBuffer), ""]);
      expect((got[3] as ArrayBuffer).byteLength).toBe(0);
      expect(got[4]).toBe("part");
      expect(new Uint8Array(got[5] as ArrayBuffer)).toEqual(Uint8Array.of(2, 3));
      await a.close();
      await b.close();
    });
  });

  it("channels made before connecting open once the association is up; a negotiated pair opens without DCEP", async () => {
    await withLeakCheck(async () => {
      let early: ReturnType<PeerConnection["createDataChannel"]> | undefined;
      let nA: typeof early;
      let nB: typeof early;
      const [a, b] = await connectedPair((x, y) => {
        early = x.createDataChannel("early");
        expect(early.readyState).toBe("connecting");
        expect(early.id).toBeNull();
        nA = x.createDataChannel("neg", { negotiated: true, id: 7 });
        nB = y.createDataChannel("neg", { negotiated: true, id: 7 });
        expect(x.sctp).toBeNull(); // as browsers: no transport before the descriptions are applied
      });
      const remote = await nextEvent<Event & { channel: { label: string } }>(b, "datachannel");
      expect(remote.channel.label).toBe("early");
      await until(
        () => early!.readyState === "open" && nA!.readyState === "open" && nB!.readyState === "open",
        "open",
      );
      const atB = nextMessage(nB!);
      nA!.send("negotiated");
      expect(await atB).toBe("negotiated");
      expect(() => a.createDataChannel("dup", { negotiated: true, id: 7 })).toThrow(
        expect.objectContaining({ code: "ERR_OPERATION" }),
      );
      await a.close();
      await b.close();
    });
  });

  it("refuses what browsers refuse: bad init, sends before open, too big for the peer, past the queue limit", async () => {
    await withLeakCheck(async () => {
      const a = new PeerConnection({ interfaces: "loopback" });
      const b = new PeerConnection({ interfaces: "loopback" });
      expect(() => a.createDataChannel("x", { maxRetransmits: 1, maxPacketLifeTime: 1 })).toThrow(TypeError);
      expect(() => a.createDataChannel("x", { negotiated: true })).toThrow(TypeError);
      expect(() => a.createDataChannel("x", { negotiated: true, id: 65535 })).toThrow(TypeError);
      expect(() => a.createDataChannel("x".repeat(65536))).toThrow(TypeError);
      const channel = a.createDataChannel("c");
      expect(() => channel.send("too early")).toThrow(expect.objectContaining({ code: "ERR_INVALID_STATE" }));
      trickle(a, b);
      // b says it takes messages of at most 1000 bytes.
      await a.setLocalDescription(await a.createOffer());
      await b.setRemoteDescription(a.localDescription!);
      await b.setLocalDescription(await b.createAnswer());
      const answer = parseSdp(b.localDescription!.sdp);
      answer.media[0]!.maxMessageSize = 1000;
      await a.setRemoteDescription({ type: "answer", sdp: serializeSdp(answer) });
      await Promise.all([waitForState(a, "connected"), waitForState(b, "connected")]);
      await until(() => channel.readyState === "open", "open");
      expect(a.sctp!.maxMessageSize).toBe(1000);
      channel.send(new Uint8Array(1000));
      expect(() => channel.send(new Uint8Array(1001))).toThrow(TypeError);
      expect(() => channel.send("é".repeat(501))).toThrow(TypeError); // 1002 bytes of UTF-8

      // The queue is bounded: sends fail with ERR_OPERATION before 16 MiB is held.
      let sent = 0;
      let refused: unknown;
      for (let i = 0; i < 40_000 && !refused; i++) {
        try {
          channel.send(new Uint8Array(1000));
          sent += 1000;
        } catch (error) {
          refused = error;
        }
      }
      expect(refused).toMatchObject({ code: "ERR_OPERATION" });
      expect(channel.bufferedAmount).toBeLessThanOrEqual(MAX_QUEUED_BYTES);
      expect(sent).toBeGreaterThan(MAX_QUEUED_BYTES / 2);
      await a.close();
      await b.close();
      expect(() => a.createDataChannel("late")).toThrow(
        expect.objectContaining({ code: "ERR_INVALID_STATE" }),
      );
    });
  });

  it("bufferedAmount falls and bufferedamountlow fires at the threshold", async () => {
    await withLeakCheck(async () => {
      const [a, b] = await connectedPair();
      const [ab, ba] = await openChannel(a, b, "bulk");
      let received = 0;
      ba.onmessage = (e) => {
        received += (e.data as ArrayBuffer).byteLength;
      };
      ab.bufferedAmountLowThreshold = 64 * 1024;
      const chunk = new Uint8Array(64 * 1024);
      for (let i = 0; i < 64; i++) ab.send(chunk);
      expect(ab.bufferedAmount).toBeGreaterThan(64 * 1024);
      await nextEvent(ab, "bufferedamountlow", 10_000);
      expect(ab.bufferedAmount).toBeLessThanOrEqual(64 * 1024);
      await until(() => received === 64 * 64 * 1024, "4 MiB received");
      await a.close();
      await b.close();
    });
  });

  it("bufferedamountlow fires for what send() queued, not for the DCEP messages of the open", async () => {
    await withLeakCheck(async () => {
      const [a, b] = await connectedPair();
      const lows = { a: 0, b: 0 };
      const incoming = new Promise<DataChannel>((resolve) =>
        b.addEventListener("datachannel", (e) => {
          const channel = (e as Event & { channel: DataChannel }).channel;
          channel.addEventListener("bufferedamountlow", () => lows.b++);
          resolve(channel);
        }),
      );
      const ab = a.createDataChannel("low");
      ab.addEventListener("bufferedamountlow", () => lows.a++);
      await nextEvent(ab, "open");
      const ba = await incoming;
      // DATA_CHANNEL_OPEN and _ACK have gone out and been acknowledged.
      ba.send("pong");
      expect(await nextMessage(ab)).toBe("pong");
      await until(() => lows.b === 1, "the answerer's bufferedamountlow for its send");
      expect(lows).toEqual({ a: 0, b: 1 });
      ab.send("ping");
      expect(await nextMessage(ba)).toBe("ping");
      await until(() => lows.a === 1, "the offerer's bufferedamountlow for its send");
      expect(lows).toEqual({ a: 1, b: 1 });
      await a.close();
      await b.close();
    });
  });

  it("close() from either side: closing then close on both ends, the id is free again", async () => {
    await withLeakCheck(async () => {
      const [a, b] = await connectedPair();
      for (const [from, to] of [
        [a, b],
        [b, a],
      ] as const) {
        const [local, remote] = await openChannel(from, to, "closing");
        const seen: string[] = [];
        for (const [name, c] of [
          ["local", local],
          ["remote", remote],
        ] as const) {
          c.onclosing = () => seen.push(`${name} closing`);
          c.onclose = () => seen.push(`${name} close`);
        }
        const id = local.id;
        const initiator = from === a ? local : remote;
        initiator.close();
        expect(initiator.readyState).toBe("closing");
        await until(
          () => local.readyState === "closed" && remote.readyState === "closed",
          "both closed",
          1000,
        );
        // Each end: closing, then close, once each (an end that missed `closing` fails here).
        expect(seen.filter((e) => e.startsWith("local"))).toEqual(["local closing", "local close"]);
        expect(seen.filter((e) => e.startsWith("remote"))).toEqual(["remote closing", "remote close"]);
        // The id is reused by the next channel of the same side.
        const [again] = await openChannel(from, to, "again");
        expect(again.id).toBe(id);
      }
      await a.close();
      await b.close();
    });
  });

  it("pc.close() closes every channel (close events) and the peer's channels close too", async () => {
    await withLeakCheck(async () => {
      const [a, b] = await connectedPair();
      const [ab, ba] = await openChannel(a, b, "one");
      const [ab2, ba2] = await openChannel(a, b, "two");
      const closed: string[] = [];
      const peerErrors: string[] = [];
      ba.onerror = (e) => peerErrors.push(e.error.errorDetail);
      ab.onclose = () => closed.push("one");
      ab2.onclose = () => closed.push("two");
      await a.close();
      expect(closed.sort()).toEqual(["one", "two"]);
      expect(a.sctp?.state ?? "closed").toBe("closed");
      await until(
        () => ba.readyState === "closed" && ba2.readyState === "closed",
        "the peer's channels close",
        2000,
      );
      // The peer's association was aborted: its channels report an sctp-failure (RTCError), then close.
      expect(peerErrors).toEqual(["sctp-failure"]);
      await b.close();
    });
  });
});

describe("data channels leave nothing behind", () => {
  it("close in every state: before open, open with data in flight, closing, peer gone", async () => {
    await withLeakCheck(async () => {
      // Before open: the channel waits for a connection that never comes.
      const lone = new PeerConnection({ interfaces: "loopback" });
      const waiting = lone.createDataChannel("never");
      await lone.setLocalDescription(await lone.createOffer());
      await lone.close();
      expect(waiting.readyState).toBe("closed");

      // Open with data in flight.
      let [a, b] = await connectedPair();
      let [ab] = await openChannel(a, b, "busy");
      for (let i = 0; i < 32; i++) ab.send(new Uint8Array(64 * 1024));
      expect(ab.bufferedAmount).toBeGreaterThan(0);
      await a.close();
      await b.close();

      // Closing: the reset is on its way.
      [a, b] = await connectedPair();
      [ab] = await openChannel(a, b, "closing");
      ab.close();
      await a.close();
      await b.close();
      expect(ab.readyState).toBe("closed");

      // Peer gone: b vanishes without a word; a closes while its association still thinks it is up.
      [a, b] = await connectedPair();
      [ab] = await openChannel(a, b, "orphan");
      await b.close();
      ab.send("into the void");
      await a.close();
    });
  });

  it("a closed channel nobody references is garbage-collected", async () => {
    const [a, b] = await connectedPair();
    let refs: WeakRef<object>[];
    {
      const [ab, ba] = await openChannel(a, b, "gc");
      ab.send("x");
      await nextMessage(ba);
      ab.close();
      await until(() => ab.readyState === "closed" && ba.readyState === "closed", "closed");
      // Ours and the peer's (made by its datachannel event), while both PeerConnections stay open.
      refs = [new WeakRef(ab), new WeakRef(ba)];
    }
    expect(await forceGc(10)).toBe(true);
    expect(refs.map((r) => r.deref())).toEqual([undefined, undefined]);
    await a.close();
    await b.close();
  });
});
