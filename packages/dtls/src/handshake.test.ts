import { describe, expect, test } from "vitest";
import { nobleCrypto } from "./crypto/noble-crypto.js";
import { nodeCrypto } from "./crypto/node-crypto.js";
import {
  CIPHER_SUITES,
  certificateFingerprint,
  DtlsCertificate,
  DtlsConnection,
  type DtlsError,
  NamedGroup,
  SignatureScheme,
} from "./index.js";
import { memoryPair } from "./memory-transport.test-helper.js";
import { parseRecords } from "./record/header.js";

/** True for a datagram carrying a ClientKeyExchange (type 16) in an epoch-0 handshake record. */
function isFlightFive(d: Uint8Array): boolean {
  for (const r of parseRecords(d).records)
    if (r.type === 22 && r.epoch === 0 && r.body[0] === 16) return true;
  return false;
}

const ecdsa = await DtlsCertificate.generate();
const ecdsa2 = await DtlsCertificate.generate();
const rsa = await DtlsCertificate.generate({ keyType: "rsa" });

async function pair(
  opts: {
    client?: Partial<ConstructorParameters<typeof DtlsConnection>[1]>;
    server?: Partial<ConstructorParameters<typeof DtlsConnection>[1]>;
    serverCert?: DtlsCertificate;
  } = {},
) {
  const [a, b] = memoryPair();
  const serverCert = opts.serverCert ?? ecdsa2;
  // This file is about DTLS 1.2 (flights 1 to 6): both sides are configured 1.2-only; DTLS 1.3
  // between our client and server is in dtls13.test.ts.
  const client = new DtlsConnection(a, {
    role: "client",
    certificate: ecdsa,
    peerFingerprint: serverCert.fingerprint,
    versions: ["1.2"],
    ...opts.client,
  });
  const server = new DtlsConnection(b, {
    role: "server",
    certificate: serverCert,
    peerFingerprint: ecdsa.fingerprint,
    versions: ["1.2"],
    ...opts.server,
  });
  return { client, server, a, b };
}

describe("handshake between our client and our server", () => {
  for (const backend of [nodeCrypto, nobleCrypto]) {
    for (const suite of CIPHER_SUITES) {
      for (const group of [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1]) {
        test(`${backend.name}: ${suite.name}, group 0x${group.toString(16)}`, async () => {
          const serverCert = suite.auth === "rsa" ? rsa : ecdsa2;
          const { client, server } = await pair({
            serverCert,
            client: { crypto: backend, cipherSuites: [suite.name], groups: [group] },
            server: { crypto: backend },
          });
          const got = new Promise<Uint8Array>((r) => server.on("message", r));
          await Promise.all([client.connect(), server.connect()]);
          expect(client.cipherSuite).toBe(suite.name);
          expect(server.cipherSuite).toBe(suite.name);
          expect(client.peerFingerprint).toBe(serverCert.fingerprint);
          expect(server.peerFingerprint).toBe(ecdsa.fingerprint);
          expect(client.extendedMasterSecret).toBe(true);
          client.send(Uint8Array.of(1, 2, 3));
          expect([...(await got)]).toEqual([1, 2, 3]);
          expect(client.exportKeyingMaterial("EXTRACTOR-dtls_srtp", 60)).toEqual(
            server.exportKeyingMaterial("EXTRACTOR-dtls_srtp", 60),
          );
          expect(() => client.exportKeyingMaterial("EXTRACTOR-ünïcode", 16)).toThrow(/printable ASCII/);
          await client.close();
          await server.close();
        });
      }
    }
  }

  for (const scheme of [SignatureScheme.rsa_pkcs1_sha256, SignatureScheme.rsa_pss_rsae_sha256]) {
    test(`RSA certificates on both sides, only scheme 0x${scheme.toString(16)} offered`, async () => {
      const { client, server } = await pair({
        serverCert: rsa,
        client: { certificate: rsa, peerFingerprint: rsa.fingerprint, signatureSchemes: [scheme] },
        server: { peerFingerprint: rsa.fingerprint, signatureSchemes: [scheme] },
      });
      await Promise.all([client.connect(), server.connect()]);
      expect(server.peerFingerprint).toBe(rsa.fingerprint);
      await client.close();
      await server.close();
    });
  }

  test("fingerprints with other hash functions (RFC 8122 §5) are checked inside the handshake", async () => {
    const { client, server } = await pair({
      client: { peerFingerprint: certificateFingerprint(ecdsa2.der, "sha-384") },
      // Any one of several fingerprints may match (an SDP may list more than one).
      server: {
        peerFingerprint: [
          certificateFingerprint(ecdsa2.der, "sha-512"),
          certificateFingerprint(ecdsa.der, "sha-1"),
        ],
      },
    });
    await Promise.all([client.connect(), server.connect()]);
    expect(client.peerFingerprint).toBe(ecdsa2.fingerprint); // exposed as SHA-256 whatever was checked
    await client.close();
    await server.close();
  });

  test("a fingerprint of another hash function that does not match fails with bad_certificate", async () => {
    const wrong = await pair({
      client: { peerFingerprint: certificateFingerprint(ecdsa.der, "sha-512") }, // not the server's
      server: { acceptAnyPeerCertificate: true, peerFingerprint: undefined },
    });
    const serverDone = wrong.server.connect().catch((e: DtlsError) => e);
    const failed = await wrong.client.connect().then(
      () => undefined,
      (e: DtlsError) => e,
    );
    expect(failed?.code).toBe("ERR_DTLS_BAD_CERTIFICATE");
    expect(failed?.message).toContain("sha-512");
    expect((await serverDone)?.message).toContain("bad_certificate"); // the alert reached the server
    await wrong.server.close();
  });

  test("without a cookie exchange (as over ICE, and as Chromium's server does): four flights", async () => {
    const { client, server, a, b } = await pair({ server: { helloVerify: false } });
    await Promise.all([client.connect(), server.connect()]);
    expect(a.sent.length).toBe(2); // flight 1 and flight 5
    expect(b.sent.length).toBe(2); // flight 4 and flight 6
    await client.close();
    await server.close();
  });

  test("a server connection keeps what arrives before connect() is called", async () => {
    const { client, server, b } = await pair({ server: { helloVerify: false } });
    const clientUp = client.connect();
    await new Promise((r) => setImmediate(r)); // the ClientHello arrives while the server is still "new"
    expect(server.state).toBe("new");
    await server.connect();
    await clientUp;
    expect(b.sent.length).toBe(2); // answered at once, no retransmission needed
    expect(client.stats.retransmissions).toBe(0);
    await client.close();
    await server.close();
  });

  test("negotiates use_srtp and exposes the profile; keying material matches", async () => {
    const { client, server } = await pair({
      client: { srtpProfiles: ["SRTP_AES128_CM_HMAC_SHA1_80", "SRTP_AEAD_AES_128_GCM"] },
      server: { srtpProfiles: ["SRTP_AEAD_AES_128_GCM", "SRTP_AES128_CM_HMAC_SHA1_80"] },
    });
    await Promise.all([client.connect(), server.connect()]);
    expect(client.srtpProfile).toBe("SRTP_AEAD_AES_128_GCM");
    expect(server.srtpProfile).toBe("SRTP_AEAD_AES_128_GCM");
    await client.close();
    await server.close();
  });

  test("message boundaries are kept both ways", async () => {
    const { client, server } = await pair();
    await Promise.all([client.connect(), server.connect()]);
    const got: number[] = [];
    const done = new Promise<void>((resolve) =>
      client.on("message", (d) => {
        got.push(d.length);
        if (got.length === 3) resolve();
      }),
    );
    for (const n of [1, 1200, 16384]) server.send(new Uint8Array(n));
    await done;
    expect(got).toEqual([1, 1200, 16384]);
    expect(() => server.send(new Uint8Array(16385))).toThrow(/16384/);
    await client.close();
    await server.close();
  });

  test("fragments flights to a small MTU and still completes", async () => {
    const { client, server, a, b } = await pair({
      serverCert: rsa,
      client: { mtu: 200 },
      server: { mtu: 200 },
    });
    await Promise.all([client.connect(), server.connect()]);
    for (const d of [...a.sent, ...b.sent]) expect(d.length).toBeLessThanOrEqual(200);
    await client.close();
    await server.close();
  });

  test("every datagram duplicated and pairs swapped, small MTU: completes, fragments reassembled", async () => {
    // Per direction: every other datagram is held back, then sent after the next one, twice.
    const held = new Map<string, Uint8Array>();
    const filter = {
      fn: (d: Uint8Array, direction: string) => {
        const prev = held.get(direction);
        held.delete(direction);
        if (!prev) {
          held.set(direction, d);
          return [];
        }
        return [d, prev, prev];
      },
    };
    const [a, b] = memoryPair(filter);
    const client = new DtlsConnection(a, {
      versions: ["1.2"],
      role: "client",
      certificate: ecdsa,
      acceptAnyPeerCertificate: true,
      mtu: 250,
      retransmitInitialMs: 50,
    });
    const server = new DtlsConnection(b, {
      versions: ["1.2"],
      role: "server",
      certificate: rsa,
      acceptAnyPeerCertificate: true,
      mtu: 250,
      retransmitInitialMs: 50,
    });
    await Promise.all([client.connect(), server.connect()]);
    expect(client.cipherSuite).toBe("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    await client.close();
    await server.close();
  });

  test("data that overtakes the server's last flight is delivered once connected", async () => {
    let held: Uint8Array | undefined;
    const filter = {
      fn: (d: Uint8Array, direction: string) => {
        if (direction !== "b→a") return [d];
        if (!held && d[0] === 20) {
          held = d; // the server's ChangeCipherSpec + Finished
          return [];
        }
        if (held && d[0] === 23) return [d, held];
        return [d];
      },
    };
    const [a, b] = memoryPair(filter);
    const client = new DtlsConnection(a, {
      versions: ["1.2"],
      role: "client",
      certificate: ecdsa,
      acceptAnyPeerCertificate: true,
    });
    const server = new DtlsConnection(b, {
      versions: ["1.2"],
      role: "server",
      certificate: ecdsa2,
      acceptAnyPeerCertificate: true,
    });
    const order: string[] = [];
    client.on("connected", () => order.push("connected"));
    client.on("message", (d) => order.push(`message ${d[0]}`));
    server.on("connected", () => server.send(Uint8Array.of(7)));
    await Promise.all([client.connect(), server.connect()]);
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(["connected", "message 7"]);
    await client.close();
    await server.close();
  });

  /**
   * A DTLS 1.2 handshake over memory (retransmits from 30 ms) in which the
   * first datagram going `direction` that `lost` matches never arrives.
   */
  async function handshakeLosingOnce(direction: "a→b" | "b→a", lost: (d: Uint8Array) => boolean) {
    let dropped = 0;
    const [a, b] = memoryPair({
      fn: (d: Uint8Array, dir: string) => {
        if (dir !== direction || dropped > 0 || !lost(d)) return [d];
        dropped++;
        return [];
      },
    });
    const opts = { acceptAnyPeerCertificate: true, retransmitInitialMs: 30 } as const;
    const client = new DtlsConnection(a, { role: "client", certificate: ecdsa, versions: ["1.2"], ...opts });
    const server = new DtlsConnection(b, { role: "server", certificate: ecdsa2, versions: ["1.2"], ...opts });
    await Promise.all([client.connect(), server.connect()]);
    expect(dropped).toBe(1);
    return { client, server };
  }

  test("lost last flight: the client resends flight 5 and the server answers with flight 6 again", async () => {
    // The server's first ChangeCipherSpec + Finished.
    const { client, server } = await handshakeLosingOnce("b→a", (d) => d[0] === 20);
    expect(client.stats.retransmissions).toBeGreaterThanOrEqual(1); // flight 5 by timer
    expect(server.stats.retransmissions).toBeGreaterThanOrEqual(1); // flight 6 on the retransmitted flight 5
    await client.close();
    await server.close();
  });

  test("lost flight 5: the server's timer resends flight 4 and the client answers with flight 5 again", async () => {
    // The client's flight 5 starts with its Certificate; the ClientKeyExchange marks it.
    const { client, server } = await handshakeLosingOnce("a→b", isFlightFive);
    expect(server.stats.retransmissions).toBeGreaterThanOrEqual(1);
    await client.close();
    await server.close();
  });

  test("close_notify from the peer closes cleanly", async () => {
    const { client, server } = await pair();
    await Promise.all([client.connect(), server.connect()]);
    const closed = new Promise((r) => server.once("close", r));
    await client.close();
    expect(await closed).toBeUndefined();
    expect(server.state).toBe("closed");
  });

  test("verification is on by default: no fingerprint and no opt-out is a config error", () => {
    const [a] = memoryPair();
    expect(() => new DtlsConnection(a, { role: "client", certificate: ecdsa })).toThrow(/peerFingerprint/);
  });
});
