import { forceGc, withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, test } from "vitest";
import { connectDtls, DtlsCertificate, DtlsServer } from "./index.js";
import { rejection } from "./teardown.test-helper.js";

// Teardown with a DtlsServer: many clients on one socket, collection after close, failed handshakes.
// Teardown of one connection from every state is in teardown.test.ts.

const cert = await DtlsCertificate.generate();
const serverCert = await DtlsCertificate.generate();
const any = { acceptAnyPeerCertificate: true } as const;

describe("many clients", () => {
  test("20 clients on one server socket: all connect and echo, no warnings, all released", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      await withLeakCheck(async () => {
        await using server = await DtlsServer.listen({ certificate: serverCert, ...any });
        server.on("connection", (c) => c.on("message", (d) => c.send(d)));
        const clients = await Promise.all(
          Array.from({ length: 20 }, () =>
            connectDtls({ address: "127.0.0.1", port: server.address().port, certificate: cert, ...any }),
          ),
        );
        expect(server.connections.size).toBe(20);
        const echoes = clients.map((c, i) => {
          const back = new Promise<number>((r) => c.once("message", (d) => r(d[0]!)));
          c.send(Uint8Array.of(i));
          return back;
        });
        expect(await Promise.all(echoes)).toEqual(clients.map((_, i) => i));
        await Promise.all(clients.map((c) => c.close()));
      });
      await new Promise((r) => setImmediate(r));
      expect(warnings.map((w) => w.message)).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});

describe("closed objects are collected", () => {
  test("a connected then closed client and server (and their sockets) are garbage-collected", async () => {
    let refs: WeakRef<object>[] = [];
    await withLeakCheck(async () => {
      const server = await DtlsServer.listen({ certificate: serverCert, ...any });
      const client = await connectDtls({
        address: "127.0.0.1",
        port: server.address().port,
        certificate: cert,
        ...any,
      });
      refs = [new WeakRef(client), new WeakRef([...server.connections.values()][0]!), new WeakRef(server)];
      await client.close();
      await server.close();
    });
    expect(await forceGc(6)).toBe(true);
    expect(refs.filter((r) => r.deref() !== undefined).length).toBe(0);
  });
});

describe("handshake failures end closed, never hang", () => {
  test("unknown cipher: no shared suite → handshake_failure on both ends", async () => {
    await withLeakCheck(async () => {
      await using server = await DtlsServer.listen({ certificate: serverCert, ...any }); // ECDSA certificate
      const error = await rejection(
        connectDtls({
          address: "127.0.0.1",
          port: server.address().port,
          certificate: cert,
          ...any,
          cipherSuites: ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"],
        }),
      );
      expect(error.code).toBe("ERR_DTLS_ALERT");
      expect(error.message).toContain("handshake_failure");
      expect(server.connections.size).toBe(0);
    });
  });

  test("extended master secret required by default: a peer without it is refused", async () => {
    await withLeakCheck(async () => {
      await using server = await DtlsServer.listen({ certificate: serverCert, ...any });
      // The client allows no-EMS but offers it anyway; the server still negotiates it: the default path.
      const conn = await connectDtls({
        address: "127.0.0.1",
        port: server.address().port,
        certificate: cert,
        ...any,
        requireExtendedMasterSecret: false,
      });
      expect(conn.extendedMasterSecret).toBe(true);
      await conn.close();
    });
  });
});
