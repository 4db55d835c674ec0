import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, test } from "vitest";
import { NamedGroup } from "./index.js";
import { memoryConnections } from "./memory-transport.test-helper.js";
import { parseDatagram } from "./record/header.js";

const tick = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A DTLS 1.3 pair over memory, resending after 150 ms; `after()`: records per datagram the server sent once connected. */
function pair() {
  const { client, server, b } = memoryConnections({
    versions: ["1.3"],
    groups: [NamedGroup.x25519],
    retransmitInitialMs: 150,
  });
  let mark = -1;
  // Registered first: runs before a test's own "connected" listener.
  server.on("connected", () => {
    mark = b.sent.length;
  });
  const after = () => b.sent.slice(mark).map((d) => parseDatagram(d).records.length);
  return { client, server, b, after, first: () => b.sent[mark] };
}

/**
 * The server's ACK of the client's last flight (RFC 9147 §7) leaves with the
 * next datagram sent in the same event-loop turn, or alone at its end: one
 * datagram fewer per handshake when the application answers at once (a data
 * channel's SCTP INIT ACK), never a lost or late ACK.
 */
describe("DTLS 1.3 server: the last ACK rides with the next datagram of the turn", () => {
  test("application data sent on connect carries the ACK: one datagram, the client stops resending", async () => {
    await withLeakCheck(async () => {
      const { client, server, after, first } = pair();
      server.on("connected", () => server.send(Uint8Array.of(7, 7)));
      const got = new Promise<Uint8Array>((r) => client.once("message", r));
      await Promise.all([client.connect(), server.connect()]);
      expect([...(await got)]).toEqual([7, 7]);
      // Flight (one datagram, x25519) then the ACK and the data together: no datagram of the ACK alone.
      expect(after()).toEqual([2]);
      const [ack, data] = parseDatagram(first()!).records;
      expect(ack).toBeDefined();
      expect(data).toBeDefined();
      await sleep(400); // past two of the client's retransmission timeouts
      expect(client.stats.retransmissions).toBe(0);
      expect(after()).toEqual([2]);
      await client.close();
      await server.close();
    });
  });

  test("nothing else sent in the turn: the ACK goes alone at its end, and the client stops resending", async () => {
    await withLeakCheck(async () => {
      const { client, server, after } = pair();
      await Promise.all([client.connect(), server.connect()]);
      await tick();
      expect(after()).toEqual([1]);
      await sleep(400);
      expect(client.stats.retransmissions).toBe(0);
      const more = new Promise<Uint8Array>((r) => client.once("message", r));
      server.send(Uint8Array.of(1));
      expect([...(await more)]).toEqual([1]);
      expect(after()).toEqual([1, 1]);
      await client.close();
      await server.close();
    });
  });

  test("closed in the same turn: the ACK leaves with close_notify, then nothing (no flush after close)", async () => {
    await withLeakCheck(async () => {
      const { client, server, after } = pair();
      let closing: Promise<void> | undefined;
      server.on("connected", () => {
        closing = server.close();
      });
      await Promise.all([client.connect(), server.connect().catch(() => {})]);
      await closing;
      await tick();
      await tick();
      expect(after()).toEqual([2]); // ACK + close_notify alert, one datagram
      await client.close();
    });
  });

  test("a record too large to join: the ACK goes first, on its own, then the record", async () => {
    await withLeakCheck(async () => {
      const { client, server, after, first } = pair();
      const big = new Uint8Array(1190);
      server.on("connected", () => server.send(big));
      const got = new Promise<Uint8Array>((r) => client.once("message", r));
      await Promise.all([client.connect(), server.connect()]);
      expect((await got).length).toBe(1190);
      expect(after()).toEqual([1, 1]);
      expect(parseDatagram(first()!).records.length).toBe(1);
      expect(first()!.length).toBeLessThan(100); // the ACK
      await client.close();
      await server.close();
    });
  });
});
