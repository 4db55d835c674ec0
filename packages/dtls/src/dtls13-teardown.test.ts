import { forceGc, withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, test } from "vitest";
import { DtlsCertificate, DtlsConnection, DtlsError } from "./index.js";
import { type LinkFilter, memoryPair } from "./memory-transport.test-helper.js";

const cert = await DtlsCertificate.generate();
const serverCert = await DtlsCertificate.generate();
const any = { acceptAnyPeerCertificate: true, retransmitInitialMs: 20 } as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Polls `ok` (bounded: 5 s) — fixed sleeps are flaky on a loaded machine. */
async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 250 && !ok(); i++) await sleep(20);
}

/** A 1.3 pair over memory whose link lets through `pass(direction, index)` datagrams only. */
function pair(
  pass: (direction: "a→b" | "b→a", index: number) => boolean,
  server: object = {},
  handshakeTimeoutMs?: number,
) {
  const counts = { "a→b": 0, "b→a": 0 };
  const filter: { fn?: LinkFilter } = {
    fn: (d, dir) => (pass(dir, counts[dir]++) ? [d] : []),
  };
  const [a, b] = memoryPair(filter);
  const timeout = handshakeTimeoutMs ? { handshakeTimeoutMs } : {};
  const client = new DtlsConnection(a, { role: "client", certificate: cert, ...any, ...timeout });
  const srv = new DtlsConnection(b, {
    role: "server",
    certificate: serverCert,
    ...any,
    ...timeout,
    ...server,
  });
  return { client, server: srv, counts };
}

async function settles(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(DtlsError);
    return error;
  }
}

describe("DTLS 1.3 teardown from every state (leak-checked)", () => {
  test("server after its HelloRetryRequest (cookie), client waiting for the ServerHello", async () => {
    await withLeakCheck(async () => {
      // The client's second hello never arrives.
      const { client, server } = pair((dir, i) => dir === "b→a" || i === 0, { helloVerify: true });
      const pc = settles(client.connect());
      const ps = settles(server.connect());
      try {
        await until(() => client.stats.retransmissions > 0);
        expect(client.state).toBe("connecting");
      } finally {
        await Promise.all([client.close(), server.close()]);
      }
      await Promise.all([pc, ps]);
      expect(client.state).toBe("closed");
    });
  });

  test("the total timeout armed before the hand-over to 1.3 still fails both sides, once, in time", async () => {
    await withLeakCheck(async () => {
      // The server's flight after its ServerHello never arrives: the client has handed over to its 1.3
      // handshaker (epoch-2 keys), the server to its own; neither finishes.
      const { client, server } = pair((dir, i) => dir === "a→b" || i === 0, { mtu: 300 }, 300);
      const t0 = performance.now();
      const [ec, es] = await Promise.all([settles(client.connect()), settles(server.connect())]);
      expect((ec as DtlsError).code).toBe("ERR_DTLS_TIMEOUT");
      expect((es as DtlsError).code).toBe("ERR_DTLS_TIMEOUT");
      expect(client.version).toBeUndefined();
      expect(performance.now() - t0).toBeLessThan(5000);
      expect(client.state).toBe("closed");
      expect(server.state).toBe("closed");
    });
  });

  test("client holding epoch-2 keys, waiting for the rest of the server's flight", async () => {
    await withLeakCheck(async () => {
      // Only the server's first datagram (ServerHello and the start of its flight) gets through.
      const { client, server } = pair((dir, i) => dir === "a→b" || i === 0, { mtu: 300 });
      const pc = settles(client.connect());
      const ps = settles(server.connect());
      try {
        await until(() => server.stats.retransmissions > 0);
        expect(server.stats.retransmissions).toBeGreaterThan(0);
      } finally {
        await Promise.all([client.close(), server.close()]);
        await Promise.all([pc, ps]);
      }
    });
  });

  test("client connected, its last flight never acknowledged: resent a bounded number of times, close cancels", async () => {
    await withLeakCheck(async () => {
      // Server → client: only the server's flight; its ACK and everything after are lost.
      let serverFlightSeen = false;
      const { client, server } = pair((dir) => {
        if (dir === "a→b") return true;
        if (serverFlightSeen && client.state === "connected") return false;
        serverFlightSeen = true;
        return true;
      });
      try {
        await Promise.all([client.connect(), server.connect()]);
        expect(client.version).toBe("1.3");
        await until(() => client.stats.retransmissions > 0);
        expect(client.stats.retransmissions).toBeGreaterThan(0);
        expect(client.stats.retransmissions).toBeLessThanOrEqual(8);
      } finally {
        await Promise.all([client.close(), server.close()]);
      }
    });
  });

  test("a KeyUpdate never acknowledged: old keys kept, close cancels its retransmission", async () => {
    await withLeakCheck(async () => {
      let cut = false;
      const { client, server } = pair((dir) => !(cut && dir === "b→a"));
      try {
        await Promise.all([client.connect(), server.connect()]);
        await sleep(10);
        cut = true;
        const got: number[] = [];
        server.on("message", (d) => got.push(d[0]!));
        const c = client as unknown as { handshaker: { requestKeyUpdate(): void } };
        c.handshaker.requestKeyUpdate();
        client.send(Uint8Array.of(1)); // still in the old epoch: readable
        await until(() => got.length > 0 && server.keyUpdates.received > 0);
        expect(got).toEqual([1]);
        expect(client.keyUpdates.sent).toBe(1);
        expect(server.keyUpdates.received).toBe(1);
      } finally {
        await Promise.all([client.close(), server.close()]);
      }
    });
  });

  test("closed 1.3 connections are garbage-collected", async () => {
    let refs: WeakRef<object>[] = [];
    await withLeakCheck(async () => {
      const { client, server } = pair(() => true);
      await Promise.all([client.connect(), server.connect()]);
      refs = [new WeakRef(client), new WeakRef(server)];
      await Promise.all([client.close(), server.close()]);
    });
    expect(await forceGc(6)).toBe(true);
    expect(refs.filter((r) => r.deref() !== undefined).length).toBe(0);
  });
});
