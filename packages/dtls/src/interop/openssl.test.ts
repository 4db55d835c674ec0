import {
  type OpenSslDtlsOptions,
  type OpenSslDtlsPeer,
  requireOpenSsl,
  startOpenSslDtls,
} from "@purertc/interop/openssl";
import { withLeakCheck } from "@purertc/socket/testing";
import { afterEach, describe, expect, test } from "vitest";
import { connectDtls, DtlsCertificate, DtlsServer, nobleCrypto } from "../index.js";

const peer = requireOpenSsl();
const text = (d: Uint8Array) => new TextDecoder().decode(d);
const bytes = (s: string) => new TextEncoder().encode(s);
const hex = (d: Uint8Array) => Buffer.from(d).toString("hex").toUpperCase();

const cases = [
  { keyType: "ecdsa", srtp: false },
  { keyType: "ecdsa", srtp: true },
  { keyType: "rsa", srtp: false },
  { keyType: "rsa", srtp: true },
] as const;

/** Runs `use` with an s_server started with `options` (closed after) and the address our client connects to. */
async function againstServer(
  options: Omit<OpenSslDtlsOptions, "role">,
  use: (server: OpenSslDtlsPeer, at: { address: string; port: number }) => Promise<void>,
): Promise<void> {
  const server = await startOpenSslDtls({ role: "server", ...options });
  try {
    const [address, port] = server.address.split(":") as [string, string];
    await use(server, { address, port: Number(port) });
  } finally {
    await server.close();
  }
}

/** Runs `use` with an s_client started with `options` towards our `server` (closed after). */
async function fromClient(
  server: DtlsServer,
  options: Omit<OpenSslDtlsOptions, "role" | "connect">,
  use: (client: OpenSslDtlsPeer) => Promise<void>,
): Promise<void> {
  const client = await startOpenSslDtls({
    role: "client",
    connect: `127.0.0.1:${server.address().port}`,
    ...options,
  });
  try {
    await use(client);
  } finally {
    await client.close();
  }
}

/** What the server's first connection closes with. */
const firstClose = (server: DtlsServer) =>
  new Promise<unknown>((resolve) => server.on("connection", (c) => c.once("close", resolve)));

describe.skipIf(!peer.available)("interop with openssl s_server / s_client (DTLS 1.2)", () => {
  test("the @noble/curves backend both ways: our client → s_server -Verify 1, s_client → our server", async () => {
    const certificate = await DtlsCertificate.generate();
    await againstServer({ requireClientCertificate: true }, async (server, at) => {
      const conn = await connectDtls({
        ...at,
        certificate,
        acceptAnyPeerCertificate: true,
        crypto: nobleCrypto,
      });
      expect(conn.cipherSuite).toBe("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
      conn.send(bytes("noble client\n"));
      await server.waitFor(/noble client/);
      await conn.close();
    });
    await using ours = await DtlsServer.listen({
      certificate,
      acceptAnyPeerCertificate: true,
      crypto: nobleCrypto,
    });
    const connected = new Promise<void>((resolve) =>
      ours.on("connection", (c) => c.once("connected", resolve)),
    );
    await fromClient(ours, {}, async (client) => {
      await connected;
      await client.established();
    });
  });

  test("extended master secret is required by default: openssl without it is refused both ways", async () => {
    const certificate = await DtlsCertificate.generate();
    await againstServer({ noExtendedMasterSecret: true }, async (_, at) => {
      const options = { ...at, certificate, acceptAnyPeerCertificate: true };
      await expect(connectDtls(options)).rejects.toMatchObject({ code: "ERR_DTLS_NO_SHARED_PARAMS" });
    });
    // Allowed explicitly, the same peer connects without it.
    await againstServer({ noExtendedMasterSecret: true }, async (again, at) => {
      const conn = await connectDtls({
        ...at,
        certificate,
        acceptAnyPeerCertificate: true,
        requireExtendedMasterSecret: false,
      });
      expect(conn.extendedMasterSecret).toBe(false);
      conn.send(bytes("no ems\n"));
      await again.waitFor(/no ems/);
      await conn.close();
    });
    await using ours = await DtlsServer.listen({ certificate, acceptAnyPeerCertificate: true });
    const failed = firstClose(ours);
    await fromClient(ours, { noExtendedMasterSecret: true }, async (client) => {
      expect(await failed).toMatchObject({ code: "ERR_DTLS_NO_SHARED_PARAMS" });
      await client.waitFor(/handshake failure|alert/i);
    });
  });

  test("wrong fingerprint: a bad_certificate alert reaches openssl both ways", async () => {
    const certificate = await DtlsCertificate.generate();
    const wrong = `sha-256 ${Array(32).fill("0A").join(":")}`;
    await againstServer({}, async (server, at) => {
      const options = { ...at, certificate, peerFingerprint: wrong };
      await expect(connectDtls(options)).rejects.toMatchObject({ code: "ERR_DTLS_BAD_CERTIFICATE" });
      await server.waitFor(/bad certificate|alert number 42/i);
    });
    await using ours = await DtlsServer.listen({ certificate, peerFingerprint: wrong });
    const failed = firstClose(ours);
    await fromClient(ours, {}, async (client) => {
      expect(await failed).toMatchObject({ code: "ERR_DTLS_BAD_CERTIFICATE" });
      await client.waitFor(/bad certificate|alert number 42/i);
    });
  });

  for (const [cipher, name] of [
    ["ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"],
    ["ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"],
  ] as const) {
    test(`our client → openssl s_server, ${name} (both directions of data, exporter equal)`, async () => {
      const certificate = await DtlsCertificate.generate();
      const options = { cipher, keyMaterialLength: 60, srtp: "SRTP_AEAD_AES_128_GCM" } as const;
      await againstServer(options, async (server, at) => {
        const conn = await connectDtls({
          ...at,
          certificate,
          acceptAnyPeerCertificate: true,
          srtpProfiles: ["SRTP_AEAD_AES_128_GCM"],
        });
        expect(conn.cipherSuite).toBe(name);
        expect(conn.srtpProfile).toBe("SRTP_AEAD_AES_128_GCM");
        expect(hex(conn.exportKeyingMaterial("EXTRACTOR-dtls_srtp", 60))).toBe(await server.keyingMaterial());
        const received = new Promise<string>((resolve) => conn.on("message", (d) => resolve(text(d))));
        conn.send(bytes("over another suite\n"));
        await server.waitFor(/over another suite/);
        server.write("back\n");
        expect(await received).toBe("back\n");
        await conn.close();
      });
    });
  }

  let running: OpenSslDtlsPeer | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  for (const c of cases) {
    test(`our client → openssl s_server -Verify 1, ${c.keyType}${c.srtp ? " + use_srtp" : ""}`, async () => {
      const certificate = await DtlsCertificate.generate({ keyType: c.keyType });
      await withLeakCheck(async () => {
        running = await startOpenSslDtls({
          role: "server",
          keyType: c.keyType,
          requireClientCertificate: true,
          ...(c.srtp ? { srtp: "SRTP_AES128_CM_SHA1_80", keyMaterialLength: 60 } : {}),
        });
        const [host, port] = running.address.split(":") as [string, string];
        const { X509Certificate } = await import("node:crypto");
        const fp = `sha-256 ${new X509Certificate(running.certificatePem).fingerprint256}`;
        const conn = await connectDtls({
          address: host,
          port: Number(port),
          certificate,
          peerFingerprint: fp,
          ...(c.srtp ? { srtpProfiles: ["SRTP_AES128_CM_HMAC_SHA1_80"] as const } : {}),
        });
        expect(conn.cipherSuite).toBe(
          c.keyType === "ecdsa"
            ? "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
            : "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        );
        expect(conn.extendedMasterSecret).toBe(true);
        expect(conn.peerFingerprint).toBe(fp);
        if (c.srtp) {
          expect(conn.srtpProfile).toBe("SRTP_AES128_CM_HMAC_SHA1_80");
          const theirs = await running.keyingMaterial();
          expect(hex(conn.exportKeyingMaterial("EXTRACTOR-dtls_srtp", 60))).toBe(theirs);
        } else {
          expect(conn.srtpProfile).toBeUndefined();
        }
        // Data both ways: ours printed by s_server, theirs (stdin) delivered to us.
        const received = new Promise<string>((resolve) => conn.on("message", (d) => resolve(text(d))));
        conn.send(bytes("hello from purertc\n"));
        await running.waitFor(/hello from purertc/);
        running.write("hello from openssl\n");
        expect(await received).toBe("hello from openssl\n");
        await conn.close();
        await running.close();
        running = undefined;
      });
    });

    test(`openssl s_client → our server, ${c.keyType}${c.srtp ? " + use_srtp" : ""}`, async () => {
      const certificate = await DtlsCertificate.generate({ keyType: c.keyType });
      await withLeakCheck(async () => {
        await using server = await DtlsServer.listen({
          certificate,
          acceptAnyPeerCertificate: true,
          ...(c.srtp ? { srtpProfiles: ["SRTP_AES128_CM_HMAC_SHA1_80"] as const } : {}),
        });
        const connected = new Promise<import("../index.js").DtlsConnection>((resolve) =>
          server.on("connection", (conn) => conn.once("connected", () => resolve(conn))),
        );
        const { port } = server.address();
        running = await startOpenSslDtls({
          role: "client",
          keyType: c.keyType,
          connect: `127.0.0.1:${port}`,
          ...(c.srtp ? { srtp: "SRTP_AES128_CM_SHA1_80", keyMaterialLength: 60 } : {}),
        });
        const conn = await connected;
        await running.established();
        expect(conn.cipherSuite).toContain(c.keyType === "ecdsa" ? "ECDSA" : "RSA");
        expect(conn.extendedMasterSecret).toBe(true);
        const { X509Certificate } = await import("node:crypto");
        expect(conn.peerFingerprint).toBe(
          `sha-256 ${new X509Certificate(running.certificatePem).fingerprint256}`,
        );
        if (c.srtp) {
          expect(conn.srtpProfile).toBe("SRTP_AES128_CM_HMAC_SHA1_80");
          expect(await running.keyingMaterial()).toBe(
            hex(conn.exportKeyingMaterial("EXTRACTOR-dtls_srtp", 60)),
          );
        }
        const received = new Promise<string>((resolve) => conn.on("message", (d) => resolve(text(d))));
        running.write("ping from openssl\n");
        expect(await received).toBe("ping from openssl\n");
        conn.send(bytes("pong from purertc\n"));
        await running.waitFor(/pong from purertc/);
        const closed = new Promise<unknown>((resolve) => conn.once("close", resolve));
        expect(await running.close()).toBe(0); // stdin EOF: s_client sends close_notify and exits 0
        expect(await closed).toBeUndefined(); // a clean close_notify, not an error
      });
    });
  }
});
