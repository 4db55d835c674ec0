import { startLossyProxy } from "@purertc/interop/lossy-proxy";
import { SocketRegistry, UdpTransport } from "@purertc/socket";
import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, test } from "vitest";
import { connectDtls, DtlsCertificate, DtlsConnection, DtlsError, DtlsServer } from "./index.js";
import { memoryPair } from "./memory-transport.test-helper.js";
import { rejection, silentPeer, withSilentClient } from "./teardown.test-helper.js";

const cert = await DtlsCertificate.generate();
const serverCert = await DtlsCertificate.generate();
const any = { acceptAnyPeerCertificate: true } as const;

describe("teardown from every state (leak-checked)", () => {
  test("close before start; connect() after close rejects", async () => {
    await withSilentClient({ certificate: cert, ...any }, async (conn, transport) => {
      await conn.close();
      await conn.close(); // idempotent
      expect(conn.state).toBe("closed");
      expect(transport.closed).toBe(true);
      expect((await rejection(conn.connect())).code).toBe("ERR_DTLS_CLOSED");
    });
  });

  test("waiting for a flight: close() rejects connect() with ERR_DTLS_CLOSED", async () => {
    await withSilentClient({ certificate: cert, ...any }, async (conn) => {
      const pending = conn.connect();
      await new Promise((r) => setTimeout(r, 20));
      expect(conn.state).toBe("connecting");
      await conn.close();
      expect((await rejection(pending)).code).toBe("ERR_DTLS_CLOSED");
    });
  });

  test("mid-retransmission: timers cancelled on close", async () => {
    await withSilentClient(
      {
        certificate: cert,
        ...any,
        retransmitInitialMs: 20,
      },
      async (conn) => {
        const pending = conn.connect();
        for (let i = 0; i < 100 && conn.stats.retransmissions < 2; i++)
          await new Promise((r) => setTimeout(r, 20));
        expect(conn.stats.retransmissions).toBeGreaterThanOrEqual(2);
        await conn.close();
        expect((await rejection(pending)).code).toBe("ERR_DTLS_CLOSED");
      },
    );
  });

  test("handshake timeout ends closed (retransmissions double, total timeout)", async () => {
    await withSilentClient(
      {
        certificate: cert,
        ...any,
        retransmitInitialMs: 10,
        handshakeTimeoutMs: 300,
      },
      async (conn) => {
        const closed = new Promise<DtlsError | undefined>((r) => conn.once("close", r));
        expect((await rejection(conn.connect())).code).toBe("ERR_DTLS_TIMEOUT");
        expect((await closed)?.code).toBe("ERR_DTLS_TIMEOUT");
        expect(conn.state).toBe("closed");
        // 10, 20, 40, 80, 160 ms: about five retransmissions in 300 ms, not thirty (late timers give fewer).
        expect(conn.stats.retransmissions).toBeGreaterThanOrEqual(1);
        expect(conn.stats.retransmissions).toBeLessThanOrEqual(8);
      },
    );
  });

  test("connected: close() on both sides; server socket released", async () => {
    await withLeakCheck(async () => {
      const server = await DtlsServer.listen({ certificate: serverCert, ...any });
      const client = await connectDtls({
        address: "127.0.0.1",
        port: server.address().port,
        certificate: cert,
        ...any,
      });
      expect(client.state).toBe("connected");
      const serverSide = [...server.connections.values()][0]!;
      const closed = new Promise<unknown>((r) => serverSide.once("close", r));
      await client.close();
      expect(await closed).toBeUndefined(); // close_notify arrived
      await server.close();
      await server.close();
    });
  });

  test("peer vanished after connecting: idleTimeoutMs closes the server's connection", async () => {
    await withLeakCheck(async () => {
      await using server = await DtlsServer.listen({ certificate: serverCert, ...any, idleTimeoutMs: 300 });
      const serverClosed = new Promise<{ error: DtlsError | undefined; at: number }>((resolve) =>
        server.on("connection", (c) => c.once("close", (error) => resolve({ error, at: performance.now() }))),
      );
      const owner = {};
      const sock = await SocketRegistry.default.open(owner, {
        label: "vanishing-client",
        address: "127.0.0.1",
      });
      const transport = new UdpTransport(sock, "127.0.0.1", server.address().port);
      const client = new DtlsConnection(transport, { role: "client", certificate: cert, ...any });
      await client.connect();
      const gone = performance.now();
      await transport.close(); // the client vanishes: its socket closes, no close_notify is sent
      expect(client.error?.code).toBe("ERR_DTLS_TRANSPORT_CLOSED");
      const { error, at } = await serverClosed;
      expect(error?.code).toBe("ERR_DTLS_TIMEOUT");
      expect(error?.message).toContain("idleTimeoutMs 300");
      expect(at - gone).toBeGreaterThanOrEqual(250); // not before the peer had been silent that long
      expect(server.connections.size).toBe(0);
    });
  });

  test("idleTimeoutMs leaves a connection whose peer keeps talking open", async () => {
    await withLeakCheck(async () => {
      await using server = await DtlsServer.listen({ certificate: serverCert, ...any, idleTimeoutMs: 1000 });
      let serverSide: DtlsConnection | undefined;
      server.on("connection", (c) => {
        serverSide = c;
      });
      await using client = await connectDtls({
        address: "127.0.0.1",
        port: server.address().port,
        certificate: cert,
        ...any,
      });
      // 2.5 s of traffic, one datagram every 100 ms: well past the idle timeout in total.
      for (let i = 0; i < 25; i++) {
        client.send(Uint8Array.of(i));
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(serverSide?.state).toBe("connected");
      expect(client.state).toBe("connected");
    });
  });

  test("idleTimeoutMs out of range is a config error", () => {
    const [a] = memoryPair();
    for (const idleTimeoutMs of [0, -1, Number.NaN, 2 ** 31]) {
      expect(
        () => new DtlsConnection(a, { role: "client", certificate: cert, ...any, idleTimeoutMs }),
      ).toThrow(/idleTimeoutMs/);
    }
  });

  test("after a fatal alert (wrong fingerprint): both ends closed, clear errors", async () => {
    await withLeakCheck(async () => {
      await using server = await DtlsServer.listen({ certificate: serverCert, ...any });
      const serverClosed = new Promise<DtlsError | undefined>((resolve) =>
        server.on("connection", (c) => c.once("close", resolve)),
      );
      const wrong =
        "sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
      const error = await rejection(
        connectDtls({
          address: "127.0.0.1",
          port: server.address().port,
          certificate: cert,
          peerFingerprint: wrong,
        }),
      );
      expect(error.code).toBe("ERR_DTLS_BAD_CERTIFICATE");
      expect(error.message).toContain(serverCert.fingerprint);
      const serverError = await serverClosed;
      expect(serverError?.code).toBe("ERR_DTLS_ALERT");
      expect(serverError?.message).toContain("bad_certificate");
      expect(server.connections.size).toBe(0);
    });
  });

  test("transport already closed: the connection closes with ERR_DTLS_TRANSPORT_CLOSED", async () => {
    await withLeakCheck(async () => {
      const { sink, transport } = await silentPeer();
      await transport.close();
      const conn = new DtlsConnection(transport, { role: "client", certificate: cert, ...any });
      const closed = new Promise<DtlsError | undefined>((r) => conn.once("close", r));
      expect((await closed)?.code).toBe("ERR_DTLS_TRANSPORT_CLOSED");
      expect((await rejection(conn.connect())).code).toBe("ERR_DTLS_TRANSPORT_CLOSED");
      await conn.close();
      await sink.close();
    });
  });

  test("transport closing underneath a connected connection closes it", async () => {
    await withLeakCheck(async () => {
      await using server = await DtlsServer.listen({ certificate: serverCert, ...any });
      const owner = {};
      const sock = await SocketRegistry.default.open(owner, { label: "test-client", address: "127.0.0.1" });
      const transport = new UdpTransport(sock, "127.0.0.1", server.address().port);
      const conn = new DtlsConnection(transport, { role: "client", certificate: cert, ...any });
      await conn.connect();
      const closed = new Promise<DtlsError | undefined>((r) => conn.once("close", r));
      await sock.close();
      expect((await closed)?.code).toBe("ERR_DTLS_TRANSPORT_CLOSED");
      expect(() => conn.send(new Uint8Array(1))).toThrow(DtlsError);
    });
  });

  test("peer vanished (path goes dark): sends are silent, close() settles", async () => {
    await withLeakCheck(async () => {
      await using server = await DtlsServer.listen({ certificate: serverCert, ...any });
      await using proxy = await startLossyProxy({
        registry: SocketRegistry.default,
        target: server.address(),
      });
      const conn = await connectDtls({
        address: "127.0.0.1",
        port: proxy.address.port,
        certificate: cert,
        ...any,
      });
      proxy.setLoss(1);
      await server.close();
      for (let i = 0; i < 10; i++) conn.send(new Uint8Array(100));
      expect(conn.state).toBe("connected");
      await conn.close();
      expect(conn.state).toBe("closed");
    });
  });

  test("peer vanished mid-handshake: handshake timeout, closed", async () => {
    await withLeakCheck(async () => {
      await using server = await DtlsServer.listen({ certificate: serverCert, ...any });
      await using proxy = await startLossyProxy({
        registry: SocketRegistry.default,
        target: server.address(),
      });
      let n = 0;
      server.on("connection", () => {
        if (++n === 1) proxy.setLoss(1); // the server goes away right after the cookie exchange
      });
      const error = await rejection(
        connectDtls({
          address: "127.0.0.1",
          port: proxy.address.port,
          certificate: cert,
          ...any,
          retransmitInitialMs: 20,
          handshakeTimeoutMs: 400,
        }),
      );
      expect(error.code).toBe("ERR_DTLS_TIMEOUT");
    });
  });

  test("abort signal closes the connection", async () => {
    const ac = new AbortController();
    await withSilentClient({ certificate: cert, ...any, signal: ac.signal }, async (conn) => {
      const pending = conn.connect();
      ac.abort();
      expect((await rejection(pending)).code).toBe("ERR_DTLS_CLOSED");
    });
  });
});

describe("connection.signal (made on first use)", () => {
  test("asked for before close: aborted by close with the close reason", async () => {
    await withSilentClient({ certificate: cert, ...any }, async (conn) => {
      const signal = conn.signal;
      expect(signal.aborted).toBe(false);
      const pending = conn.connect();
      await conn.close();
      expect(signal.aborted).toBe(true);
      expect((signal.reason as DtlsError).code).toBe("ERR_DTLS_CLOSED");
      expect((await rejection(pending)).code).toBe("ERR_DTLS_CLOSED");
    });
  });

  test("asked for after close: already aborted, with the reason of the failure", async () => {
    await withSilentClient(
      {
        certificate: cert,
        ...any,
        retransmitInitialMs: 20,
        handshakeTimeoutMs: 100,
      },
      async (conn) => {
        expect((await rejection(conn.connect())).code).toBe("ERR_DTLS_TIMEOUT");
        expect(conn.signal.aborted).toBe(true);
        expect((conn.signal.reason as DtlsError).code).toBe("ERR_DTLS_TIMEOUT");
      },
    );
  });
});
