import { describe, expect, test } from "vitest";
import { subjectPublicKeyInfo } from "./certificate.js";
import { nobleCrypto } from "./crypto/noble-crypto.js";
import {
  certificateFingerprint,
  DtlsCertificate,
  type DtlsConnection,
  type DtlsError,
  NamedGroup,
} from "./index.js";
import { memoryCertificates, memoryConnections, type memoryPair } from "./memory-transport.test-helper.js";
import { parseDatagram } from "./record/header.js";

const { client: clientCert, server: serverCert } = memoryCertificates();
const rsaCert = await DtlsCertificate.generate({ keyType: "rsa" });

type Options = Partial<ConstructorParameters<typeof DtlsConnection>[1]>;

const pair = (client: Options = {}, server: Options = {}, filter: Parameters<typeof memoryPair>[0] = {}) =>
  memoryConnections({}, filter, { client, server });

async function exchange(client: DtlsConnection, server: DtlsConnection): Promise<void> {
  const atServer = new Promise<Uint8Array>((r) => server.once("message", r));
  const atClient = new Promise<Uint8Array>((r) => client.once("message", r));
  client.send(Uint8Array.of(1, 2, 3));
  server.send(Uint8Array.of(4, 5));
  expect([...(await atServer)]).toEqual([1, 2, 3]);
  expect([...(await atClient)]).toEqual([4, 5]);
  expect(client.exportKeyingMaterial("EXTRACTOR-dtls_srtp", 60)).toEqual(
    server.exportKeyingMaterial("EXTRACTOR-dtls_srtp", 60),
  );
}

describe("DTLS 1.3 between our client and our server", () => {
  test("defaults: DTLS 1.3 with X25519MLKEM768", async () => {
    const { client, server } = pair(
      { srtpProfiles: ["SRTP_AEAD_AES_128_GCM"] },
      { srtpProfiles: ["SRTP_AEAD_AES_128_GCM"] },
    );
    await Promise.all([client.connect(), server.connect()]);
    for (const c of [client, server]) {
      expect(c.version).toBe("1.3");
      expect(c.group).toBe("X25519MLKEM768");
      expect(c.cipherSuite).toBe("TLS_AES_128_GCM_SHA256");
      expect(c.srtpProfile).toBe("SRTP_AEAD_AES_128_GCM");
    }
    expect(client.peerFingerprint).toBe(serverCert.fingerprint);
    expect(server.peerFingerprint).toBe(clientCert.fingerprint);
    await exchange(client, server);
    await client.close();
    await server.close();
  });

  for (const suite of ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]) {
    for (const group of [
      NamedGroup.x25519,
      NamedGroup.secp256r1,
      NamedGroup.secp384r1,
      NamedGroup.X25519MLKEM768,
    ]) {
      test(`${suite}, group 0x${group.toString(16)}`, async () => {
        const { client, server } = pair({ cipherSuites: [suite], groups: [group] });
        await Promise.all([client.connect(), server.connect()]);
        expect(client.cipherSuite).toBe(suite);
        expect(server.group).toBe(client.group);
        await exchange(client, server);
        await client.close();
        await server.close();
      });
    }
  }

  test("a server taking x25519 only completes the x25519 share the client made from its hybrid key", async () => {
    const { client, server } = pair({}, { groups: [NamedGroup.x25519] });
    await Promise.all([client.connect(), server.connect()]);
    for (const c of [client, server]) expect(c.group).toBe("x25519");
    await exchange(client, server);
    await client.close();
    await server.close();
  });

  test("RSA server certificate (rsa_pss_rsae_sha256) and the noble backend", async () => {
    const { client, server } = pair({ crypto: nobleCrypto }, { certificate: rsaCert, crypto: nobleCrypto });
    await Promise.all([client.connect(), server.connect()]);
    expect(client.version).toBe("1.3");
    await exchange(client, server);
    await client.close();
    await server.close();
  });

  test("HelloRetryRequest when the client's share is for a group the server does not take", async () => {
    const { client, server } = pair(
      { groups: [NamedGroup.X25519MLKEM768, NamedGroup.secp256r1] },
      { groups: [NamedGroup.secp256r1] },
    );
    await Promise.all([client.connect(), server.connect()]);
    expect(client.group).toBe("secp256r1");
    await exchange(client, server);
    await client.close();
    await server.close();
  });

  test("HelloRetryRequest cookie on a server with helloVerify; epoch-0 record numbers only go up", async () => {
    const { client, server, b } = pair({}, { helloVerify: true });
    await Promise.all([client.connect(), server.connect()]);
    expect(server.version).toBe("1.3");
    // The HelloRetryRequest and the ServerHello are both epoch-0 records: increasing sequence numbers.
    const seqs = b.sent.flatMap((d) =>
      parseDatagram(d)
        .records.filter((r) => !("header" in r))
        .map((r) => ("sequence" in r ? r.sequence : -1)),
    );
    expect(seqs.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeGreaterThan(seqs[i - 1]!);
    await exchange(client, server);
    await client.close();
    await server.close();
  });

  test("downgrade: a 1.3 offer stripped on the path is detected by the client (ServerHello random sentinel)", async () => {
    // A man in the middle renames supported_versions (0x002b) in the client's hellos to an unknown type.
    const strip = (d: Uint8Array, dir: string) => {
      if (dir !== "a→b") return [d];
      const out = new Uint8Array(d);
      for (let i = 0; i + 5 < out.length; i++)
        if (
          out[i] === 0x00 &&
          out[i + 1] === 0x2b &&
          out[i + 2] === 0x00 &&
          out[i + 3] === 0x05 &&
          out[i + 4] === 0x04
        ) {
          out[i] = 0x7a;
          out[i + 1] = 0x7a;
        }
      return [out];
    };
    const { client, server } = pair({ mtu: 1500 }, {}, { fn: strip });
    const failed = client.connect().then(
      () => undefined,
      (e: Error) => e,
    );
    void server.connect().catch(() => {});
    const error = await failed;
    expect(error?.message).toMatch(/downgrade/);
    await client.close();
    await server.close();
  });

  test("a certificate matching no expected fingerprint is refused before its key is read", async () => {
    // The server presents a certificate whose public key does not parse: the client, expecting another
    // fingerprint, refuses it for the fingerprint, not for the key (which it never imports).
    const der = new Uint8Array(serverCert.der);
    const spki = subjectPublicKeyInfo(der);
    const at = spki.byteOffset - der.byteOffset + spki.length - 65; // the uncompressed point
    der[at] = 0x05; // no such point form (2, 3: compressed; 4: uncompressed; 6, 7: hybrid)
    const broken = Object.assign(Object.create(DtlsCertificate.prototype), serverCert, {
      der,
      fingerprint: certificateFingerprint(der),
    }) as DtlsCertificate;
    for (const expected of [clientCert.fingerprint, broken.fingerprint]) {
      const { client, server } = pair({ peerFingerprint: expected }, { certificate: broken });
      const failed = client.connect().then(
        () => undefined,
        (e: DtlsError) => e,
      );
      void server.connect().catch(() => {});
      const error = await failed;
      expect(error?.code).toBe("ERR_DTLS_BAD_CERTIFICATE");
      expect(error?.message).toMatch(expected === broken.fingerprint ? /does not parse/ : /does not match/);
      await client.close();
      await server.close();
    }
  });

  test("1.2-only peers still get DTLS 1.2, either side", async () => {
    for (const [c, s] of [
      [{ versions: ["1.2"] }, {}],
      [{}, { versions: ["1.2"] }],
    ] as [Options, Options][]) {
      const { client, server } = pair(c, { helloVerify: true, ...s });
      await Promise.all([client.connect(), server.connect()]);
      expect(client.version).toBe("1.2");
      expect(server.version).toBe("1.2");
      expect(client.group).toBe("x25519");
      await exchange(client, server);
      await client.close();
      await server.close();
    }
  });
});
