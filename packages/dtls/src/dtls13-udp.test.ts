import { forceGc, withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, test } from "vitest";
import { Ext13 } from "./extensions/tls13.js";
import { encodeClientHello } from "./handshake/client-hello.js";
import { encodeHandshakeFragment, HandshakeType } from "./handshake/header.js";
import { connectDtls, DtlsCertificate, DtlsServer, NamedGroup } from "./index.js";
import { handshakesThroughLoss } from "./lossy-path.test-helper.js";
import { ContentType, DTLS_1_2, encodeRecord } from "./record/header.js";

const cert = await DtlsCertificate.generate();
const serverCert = await DtlsCertificate.generate();
const any = { acceptAnyPeerCertificate: true } as const;

/** A ClientHello body (record version 1.2, no session or cookie) with `random` all `fill`. */
const helloBody = (fill: number, cipherSuites: number[], extensions: { type: number; data: Uint8Array }[]) =>
  encodeClientHello({
    version: DTLS_1_2,
    random: new Uint8Array(32).fill(fill),
    sessionId: new Uint8Array(0),
    cookie: new Uint8Array(0),
    cipherSuites,
    compressionMethods: [0],
    extensions,
  });

/** One record (sequence `seq`, epoch 0) carrying the fragment of `body` from `offset`, `length` bytes. */
const helloFragment = (body: Uint8Array, seq: number, offset: number, length: number) =>
  encodeRecord(
    ContentType.handshake,
    DTLS_1_2,
    0,
    seq,
    encodeHandshakeFragment(HandshakeType.client_hello, 0, body, offset, length),
  );

describe("DTLS 1.3 over UDP (DtlsServer, connectDtls)", () => {
  for (const groups of [[NamedGroup.x25519], undefined]) {
    const name = groups ? "x25519" : "X25519MLKEM768 (a hello in two datagrams)";
    test(`${name}: stateless HelloRetryRequest cookie, then 1.3; data both ways; nothing left`, async () => {
      await withLeakCheck(async () => {
        await using server = await DtlsServer.listen({ certificate: serverCert, ...any });
        server.on("connection", (c) => c.on("message", (d) => c.send(d)));
        const client = await connectDtls({
          address: "127.0.0.1",
          port: server.address().port,
          certificate: cert,
          ...any,
          ...(groups ? { groups } : {}),
        });
        expect(client.version).toBe("1.3");
        expect(client.group).toBe(groups ? "x25519" : "X25519MLKEM768");
        expect(server.stats.helloRetryRequests).toBe(1);
        expect(server.stats.helloVerifyRequests).toBe(0);
        const back = new Promise<Uint8Array>((r) => client.once("message", r));
        client.send(Uint8Array.of(7, 7));
        expect([...(await back)]).toEqual([7, 7]);
        const conn = [...server.connections.values()][0]!;
        expect(conn.version).toBe("1.3");
        await client.close();
      });
    });
  }

  test("a 1.2-only client still gets DTLS 1.2 (HelloVerifyRequest)", async () => {
    await withLeakCheck(async () => {
      await using server = await DtlsServer.listen({ certificate: serverCert, ...any });
      const client = await connectDtls({
        address: "127.0.0.1",
        port: server.address().port,
        certificate: cert,
        ...any,
        versions: ["1.2"],
      });
      expect(client.version).toBe("1.2");
      expect(server.stats.helloVerifyRequests).toBe(1);
      expect(server.stats.helloRetryRequests).toBe(0);
      await client.close();
    });
  });

  test("a 1.2 hello in two fragments still gets its HelloVerifyRequest (the whole hello is read first)", async () => {
    await withLeakCheck(async () => {
      await using server = await DtlsServer.listen({ certificate: serverCert, ...any });
      // A 1.2-only hello (extended master secret, one suite).
      const body = helloBody(3, [0xc02b], [{ type: 23, data: new Uint8Array(0) }]);
      const half = 30;
      const frag = (seq: number, offset: number, length: number) => helloFragment(body, seq, offset, length);
      const from = { address: "127.0.0.1", port: 9 };
      server.handleDatagram(frag(0, 0, half), from);
      expect(server.stats.helloVerifyRequests).toBe(0); // waits for the rest
      server.handleDatagram(frag(1, half, body.length - half), from);
      expect(server.stats.helloVerifyRequests).toBe(1);
      expect(server.stats.helloRetryRequests).toBe(0);
      expect(server.connections.size).toBe(0);
    });
  });

  test("KeyUpdate forced after N records, both ways: epochs move on, every datagram arrives", async () => {
    await withLeakCheck(async () => {
      await using server = await DtlsServer.listen({
        certificate: serverCert,
        ...any,
        keyUpdateAfterRecords: 5,
      });
      const got: number[] = [];
      server.on("connection", (c) => c.on("message", (d) => c.send(d)));
      const client = await connectDtls({
        address: "127.0.0.1",
        port: server.address().port,
        certificate: cert,
        ...any,
        keyUpdateAfterRecords: 5,
      });
      client.on("message", (d) => got.push(d[0]!));
      for (let i = 0; i < 60; i++) {
        client.send(Uint8Array.of(i));
        await new Promise((r) => setTimeout(r, 2));
      }
      const deadline = performance.now() + 5000;
      while (got.length < 60 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(new Set(got).size).toBe(60);
      const conn = [...server.connections.values()][0]!;
      expect(client.keyUpdates.sent).toBeGreaterThanOrEqual(3);
      expect(conn.keyUpdates.received).toBeGreaterThanOrEqual(3);
      expect(conn.keyUpdates.sent).toBeGreaterThanOrEqual(3);
      expect(client.keyUpdates.received).toBeGreaterThanOrEqual(3);
      await client.close();
    });
  });

  test("30% loss (plus duplicates and reordering) with the two-datagram post-quantum hello: completes", async () => {
    await handshakesThroughLoss({
      server: { certificate: serverCert, ...any },
      client: { certificate: cert, ...any },
      seed: 13,
      check: (client) => {
        expect(client.version).toBe("1.3");
        expect(client.group).toBe("X25519MLKEM768");
      },
    });
  });

  test("10,000 spoofed first fragments of 1.3 hellos: no connection, the hello cache stays bounded, heap flat", async () => {
    await withLeakCheck(async () => {
      await using server = await DtlsServer.listen({ certificate: serverCert, ...any });
      // A hello offering 1.3 with a big key share, cut in two: only the first fragment is sent.
      const body = helloBody(
        9,
        [0x1301],
        [
          { type: 43, data: Uint8Array.of(2, 0xfe, 0xfc) },
          { type: Ext13.keyShare, data: new Uint8Array(1500) },
        ],
      );
      const first = helloFragment(body, 0, 0, 1000);
      const flood = (n: number) => {
        for (let i = 0; i < n; i++)
          server.handleDatagram(first, {
            address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
            port: 1000 + (i % 50_000),
          });
      };
      flood(2000);
      await forceGc();
      const before = process.memoryUsage().heapUsed;
      flood(8000);
      await forceGc();
      const grown = process.memoryUsage().heapUsed - before;
      expect(server.connections.size).toBe(0);
      expect(grown).toBeLessThan(4 * 1024 * 1024);
      expect(server.stats.helloRetryRequests).toBe(0);
    });
  });
});
