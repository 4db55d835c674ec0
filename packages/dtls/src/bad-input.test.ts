import { SocketRegistry } from "@purertc/socket";
import { forceGc, withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, test } from "vitest";
import { encodeClientHello } from "./handshake/client-hello.js";
import { encodeHandshakeMessage, HandshakeType } from "./handshake/header.js";
import { connectDtls, DtlsCertificate, DtlsConnection, DtlsServer } from "./index.js";
import { handshakesThroughLoss } from "./lossy-path.test-helper.js";
import { memoryPair } from "./memory-transport.test-helper.js";
import { ContentType, encodeRecord, parseRecords } from "./record/header.js";

const cert = await DtlsCertificate.generate();
const serverCert = await DtlsCertificate.generate();
const any = { acceptAnyPeerCertificate: true } as const;
const tick = () => new Promise((r) => setImmediate(r));

/** A connected pair over memory with a filter the test can change. */
async function connectedPair(versions: readonly ("1.2" | "1.3")[] = ["1.3", "1.2"]) {
  const filter: { fn?: (d: Uint8Array, dir: string) => Uint8Array[] | undefined } = {};
  const [a, b] = memoryPair(filter);
  const client = new DtlsConnection(a, {
    role: "client",
    certificate: cert,
    peerFingerprint: serverCert.fingerprint,
    versions,
  });
  const server = new DtlsConnection(b, {
    role: "server",
    certificate: serverCert,
    peerFingerprint: cert.fingerprint,
    versions,
  });
  await Promise.all([client.connect(), server.connect()]);
  // DTLS 1.3: the server's ACK of the client's last flight leaves at the end of the turn (sendWithNext).
  await tick();
  const got: Uint8Array[] = [];
  server.on("message", (d) => got.push(d));
  return { client, server, filter, got, a, b };
}

/** A ClientHello datagram as a spoofer would send it. */
function clientHello(random: number, cookie = new Uint8Array(0)): Uint8Array {
  const body = encodeClientHello({
    version: 0xfefd,
    random: new Uint8Array(32).fill(random & 0xff),
    sessionId: new Uint8Array(0),
    cookie,
    cipherSuites: [0xc02b],
    compressionMethods: [0],
    extensions: [{ type: 23, data: new Uint8Array(0) }],
  });
  return encodeRecord(
    ContentType.handshake,
    0xfefd,
    0,
    0,
    encodeHandshakeMessage(HandshakeType.client_hello, 0, body),
  );
}

describe("bad input", () => {
  for (const v of ["1.2", "1.3"] as const) {
    test(`DTLS ${v}: tampered ciphertext is dropped silently and counted; the connection stays healthy`, async () => {
      const { client, server, filter, got } = await connectedPair([v]);
      filter.fn = (d) => {
        const bad = new Uint8Array(d);
        bad[bad.length - 1]! ^= 0x80;
        return [bad];
      };
      client.send(Uint8Array.of(1));
      await tick();
      expect(got.length).toBe(0);
      expect(server.stats.authFailures).toBe(1);
      filter.fn = undefined;
      client.send(Uint8Array.of(2));
      await tick();
      expect(got.map((d) => d[0])).toEqual([2]);
      expect(server.state).toBe("connected");
      await client.close();
      await server.close();
    });

    test(`DTLS ${v}: a replayed record is delivered once`, async () => {
      const { client, server, filter, got } = await connectedPair([v]);
      expect(client.version).toBe(v);
      filter.fn = (d) => [d, d, d];
      client.send(Uint8Array.of(7));
      await tick();
      expect(got.length).toBe(1);
      expect(server.stats.replays).toBe(2);
      await client.close();
      await server.close();
    });
  }

  test("garbage and forged plaintext alerts never kill a connected connection", async () => {
    const { client, server, b, got } = await connectedPair();
    b.inject(new Uint8Array(0));
    b.inject(Uint8Array.of(1, 2, 3));
    b.inject(new Uint8Array(2000).fill(0x17));
    b.inject(encodeRecord(ContentType.alert, 0xfefd, 0, 99, Uint8Array.of(2, 40))); // unauthenticated fatal alert
    b.inject(encodeRecord(ContentType.applicationData, 0xfefd, 0, 99, Uint8Array.of(9))); // plaintext app data
    expect(server.state).toBe("connected");
    client.send(Uint8Array.of(3));
    await tick();
    expect(got.map((d) => d[0])).toEqual([3]);
    expect(server.stats.malformed).toBeGreaterThan(0);
    await client.close();
    await server.close();
  });

  test("DTLS 1.2 renegotiation is refused: a new ClientHello after the handshake gets no_renegotiation, nothing else", async () => {
    const { client, server, b } = await connectedPair(["1.2"]);
    const before = b.sent.length;
    // A fresh hello (message_seq beyond the handshake's) in epoch 0.
    const hello = clientHello(1);
    hello[13 + 4] = 0;
    hello[13 + 5] = 100;
    b.inject(hello);
    expect(server.state).toBe("connected");
    expect(b.sent.length - before).toBe(1); // one (protected) warning alert
    expect(b.sent.at(-1)?.[0]).toBe(21);
    b.inject(clientHello(2)); // message_seq 0: an old message (at most our last flight is resent)
    expect(b.sent.slice(before + 1).every((d) => d[0] !== 21)).toBe(true);
    expect(server.state).toBe("connected");
    await tick();
    expect(client.state).toBe("connected"); // a warning alert does not end the client
    await client.close();
    await server.close();
  });

  test("DTLS 1.3: a plaintext ClientHello after the handshake is dropped, nothing sent", async () => {
    const { client, server, b } = await connectedPair();
    expect(server.version).toBe("1.3");
    const before = b.sent.length;
    const hello = clientHello(1);
    hello[13 + 4] = 0;
    hello[13 + 5] = 100;
    b.inject(hello);
    b.inject(clientHello(2));
    await tick();
    expect(b.sent.length).toBe(before);
    expect(server.state).toBe("connected");
    expect(client.state).toBe("connected");
    await client.close();
    await server.close();
  });

  test("a truncated handshake message fails the handshake with a clear error, no hang", async () => {
    const [, b] = memoryPair();
    const server = new DtlsConnection(b, {
      role: "server",
      certificate: serverCert,
      ...any,
      helloVerify: false,
    });
    const pending = server.connect();
    const full = clientHello(5);
    const rec = parseRecords(full).records[0]!;
    // Cut the ClientHello body (keep lengths consistent at the fragment level): it no longer parses.
    const hs = rec.body.slice(0, 12 + 20);
    hs[1] = 0;
    hs[2] = 0;
    hs[3] = 20;
    hs[9] = 0;
    hs[10] = 0;
    hs[11] = 20;
    b.inject(encodeRecord(22, 0xfefd, 0, 0, hs));
    await expect(pending).rejects.toMatchObject({ code: "ERR_DTLS_TRUNCATED" });
    expect(server.state).toBe("closed");
  });

  test("a bad cookie gets another HelloVerifyRequest and creates no connection", async () => {
    await withLeakCheck(async () => {
      await using server = await DtlsServer.listen({ certificate: serverCert, ...any });
      const owner = {};
      await using sink = await SocketRegistry.default.open(owner, {
        label: "spoofed-source",
        address: "127.0.0.1",
      });
      const from = { address: "127.0.0.1", port: sink.address().port };
      server.handleDatagram(clientHello(1, new Uint8Array(20).fill(0xaa)), from);
      server.handleDatagram(clientHello(1, new Uint8Array(3)), from);
      expect(server.stats.helloVerifyRequests).toBe(2);
      expect(server.connections.size).toBe(0);
    });
  });

  test("ClientHello flood: 10,000 spoofed hellos without valid cookies leave memory flat", async () => {
    await withLeakCheck(async () => {
      await using server = await DtlsServer.listen({ certificate: serverCert, ...any });
      // Spoofed sources: many loopback addresses, all on one port of ours, so the
      // HelloVerifyRequests land in our own sink and never in another test's socket.
      const owner = {};
      await using sink = await SocketRegistry.default.open(owner, {
        label: "spoofed-sources",
        address: "0.0.0.0",
      });
      const port = sink.address().port;
      const hello = clientHello(3);
      const flood = (from: number) => {
        for (let i = from; i < from + 5000; i++)
          server.handleDatagram(hello, { address: `127.0.${(i >> 8) & 0xff}.${i & 0xff || 1}`, port });
      };
      flood(0); // warm up
      await forceGc();
      const before = process.memoryUsage().heapUsed;
      flood(5000);
      flood(10000);
      await forceGc();
      const after = process.memoryUsage().heapUsed;
      expect(server.connections.size).toBe(0);
      expect(server.stats.helloVerifyRequests).toBe(15_000);
      // No per-peer state: 10,000 hellos may not grow the heap by more than a few MB of garbage noise.
      expect(after - before).toBeLessThan(4 * 1024 * 1024);
      expect(owner).toBeDefined();
    });
  });

  test("malformed datagrams on a shared server socket do not affect a healthy connection", async () => {
    await withLeakCheck(async () => {
      await using server = await DtlsServer.listen({ certificate: serverCert, ...any });
      const echo = new Promise<void>((resolve) =>
        server.on("connection", (c) =>
          c.on("message", (d) => {
            c.send(d);
            resolve();
          }),
        ),
      );
      await using client = await connectDtls({
        address: "127.0.0.1",
        port: server.address().port,
        certificate: cert,
        ...any,
      });
      const remote = [...server.connections.keys()][0]!;
      const port = Number(remote.split(":")[1]);
      for (const junk of [new Uint8Array(0), Uint8Array.of(22, 0xfe), new Uint8Array(1500).fill(0xff)]) {
        server.handleDatagram(junk, { address: "127.0.0.1", port }); // from the client's own address
        server.handleDatagram(junk, { address: "127.0.0.1", port: port + 1 });
      }
      const back = new Promise<Uint8Array>((r) => client.once("message", r));
      client.send(Uint8Array.of(42));
      await echo;
      expect([...(await back)]).toEqual([42]);
      expect(server.connections.size).toBe(1);
    });
  });

  for (const v of ["1.2", "1.3"] as const) {
    test(`DTLS ${v}: 30% loss (plus duplicates and reordering) on the path: the handshake still completes`, async () => {
      await handshakesThroughLoss({
        server: { certificate: serverCert, ...any, versions: [v], mtu: 500 },
        client: { certificate: cert, ...any, mtu: 500 },
        seed: 42,
        check: (client) => {
          expect(client.state).toBe("connected");
          expect(client.version).toBe(v);
        },
      });
    });
  }
});
