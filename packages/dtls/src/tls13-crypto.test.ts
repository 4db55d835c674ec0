import { createHmac, hkdfSync, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect, createServer } from "node:tls";
import { x25519 } from "@noble/curves/ed25519.js";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { DtlsCertificate } from "./certificate.js";
import { resolveConfig } from "./config.js";
import { NamedGroup } from "./crypto/groups.js";
import { hkdfExpand, hkdfExpandLabel, hkdfExtract } from "./crypto/hkdf.js";
import { clientShare13, serverShare13, x25519Half } from "./crypto/key-exchange13.js";
import { certificateVerifyContent, exporter13, KeySchedule13 } from "./crypto/key-schedule13.js";
import { nobleCrypto } from "./crypto/noble-crypto.js";
import { nodeCrypto } from "./crypto/node-crypto.js";
import { DtlsError } from "./errors.js";
import { parseUnifiedRecord, RecordAead13, reconstructSequence } from "./record/aead13.js";
import { initialShareGroups, makeShares } from "./tls13/hello.js";

const dir = new URL("../../../test-vectors/dtls/", import.meta.url);
const v = JSON.parse(readFileSync(new URL("rfc8448-simple-1rtt.json", dir), "utf8")) as Record<
  string,
  string
>;
const h = (name: string) => new Uint8Array(Buffer.from(v[name]!, "hex"));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe('TLS 1.3 key schedule against RFC 8448 §3 ("tls13 " prefix)', () => {
  test("x25519 of the trace gives its (EC)DHE secret", () => {
    expect(hex(x25519.getSharedSecret(h("client_x25519_private"), h("server_x25519_public")))).toBe(
      v.ecdhe_shared,
    );
  });

  test("early, handshake and master secrets, traffic secrets, keys, Finished key", () => {
    const ks = new KeySchedule13("sha256", "tls13 ");
    expect(hex(ks.earlySecret())).toBe(v.early_secret);
    ks.handshake(h("ecdhe_shared"), h("transcript_ch_sh"));
    expect(hex(ks.handshakeSecretValue!)).toBe(v.handshake_secret);
    expect(hex(ks.clientHandshake!)).toBe(v.client_hs_traffic);
    expect(hex(ks.serverHandshake!)).toBe(v.server_hs_traffic);
    const server = ks.trafficKeys(ks.serverHandshake!, 16);
    expect(hex(server.key)).toBe(v.server_hs_key);
    expect(hex(server.iv)).toBe(v.server_hs_iv);
    const client = ks.trafficKeys(ks.clientHandshake!, 16);
    expect(hex(client.key)).toBe(v.client_hs_key);
    expect(hex(client.iv)).toBe(v.client_hs_iv);
    const finishedKey = hkdfExpandLabel(
      "sha256",
      ks.serverHandshake!,
      "finished",
      new Uint8Array(0),
      32,
      "tls13 ",
    );
    expect(hex(finishedKey)).toBe(v.server_finished_key);
    // verify_data = HMAC(finished_key, transcript hash) (RFC 8446 §4.4.4)
    const th = h("transcript_ch_sh");
    expect(hex(ks.finished(ks.serverHandshake!, th))).toBe(
      createHmac("sha256", finishedKey).update(th).digest("hex"),
    );
    expect(hex(ks.application(h("transcript_ch_server_fin")))).toBe(v.master_secret);
    expect(hex(ks.clientApplication!)).toBe(v.client_ap_traffic);
    expect(hex(ks.serverApplication!)).toBe(v.server_ap_traffic);
    expect(hex(ks.exporterMaster!)).toBe(v.exporter_master);
    const app = ks.trafficKeys(ks.serverApplication!, 16);
    expect(hex(app.key)).toBe(v.server_ap_key);
    expect(hex(app.iv)).toBe(v.server_ap_iv);
  });

  test("HKDF against node:crypto's hkdfSync (RFC 5869), random inputs", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 80 }),
        fc.uint8Array({ maxLength: 80 }),
        fc.uint8Array({ maxLength: 60 }),
        fc.integer({ min: 1, max: 255 }),
        (ikm, salt, info, n) => {
          const ours = hkdfExpand("sha384", hkdfExtract("sha384", salt, ikm), info, n);
          expect(hex(ours)).toBe(Buffer.from(hkdfSync("sha384", ikm, salt, info, n)).toString("hex"));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('"dtls13" labels: HkdfLabel = length ‖ "dtls13"+label ‖ context (RFC 9147 §5.9)', () => {
    const secret = h("server_hs_traffic");
    const info = Buffer.concat([Buffer.from([0, 16, 9]), Buffer.from("dtls13key"), Buffer.from([0])]);
    expect(hex(hkdfExpandLabel("sha256", secret, "key", new Uint8Array(0), 16))).toBe(
      hex(hkdfExpand("sha256", secret, info, 16)),
    );
    expect(hex(hkdfExpandLabel("sha256", secret, "key", new Uint8Array(0), 16))).not.toBe(v.server_hs_key);
  });

  test("exporter (RFC 8446 §7.5) equals OpenSSL's over a real TLS 1.3 connection (node:tls, keylog)", async () => {
    const cert = await DtlsCertificate.generate();
    const key = cert.privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    const server = createServer(
      { key, cert: new X509Certificate(Buffer.from(cert.der)).toString(), minVersion: "TLSv1.3" },
      (s) => s.end(),
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    let exporterSecret: Uint8Array | undefined;
    const socket = connect({ host: "127.0.0.1", port, rejectUnauthorized: false, minVersion: "TLSv1.3" });
    socket.on("keylog", (line) => {
      const [name, , secret] = line.toString().trim().split(" ");
      if (name === "EXPORTER_SECRET") exporterSecret = new Uint8Array(Buffer.from(secret!, "hex"));
    });
    await new Promise<void>((r) => socket.once("secureConnect", () => r()));
    const context = Uint8Array.of(1, 2, 3);
    const theirs = socket.exportKeyingMaterial(60, "EXTRACTOR-dtls_srtp", Buffer.from(context));
    // Node types the context as required; without one OpenSSL exports with no context.
    const exportNoContext = socket.exportKeyingMaterial.bind(socket) as (n: number, l: string) => Buffer;
    const theirsNoContext = exportNoContext(60, "EXTRACTOR-dtls_srtp");
    const hash = socket.getCipher().name.endsWith("SHA384") ? "sha384" : "sha256";
    socket.destroy();
    await new Promise((r) => server.close(r));
    expect(exporterSecret).toBeDefined();
    expect(hex(exporter13(hash, exporterSecret!, "EXTRACTOR-dtls_srtp", context, 60, "tls13 "))).toBe(
      hex(theirs),
    );
    expect(hex(exporter13(hash, exporterSecret!, "EXTRACTOR-dtls_srtp", undefined, 60, "tls13 "))).toBe(
      hex(theirsNoContext),
    );
  });

  test("CertificateVerify content (RFC 8446 §4.4.3)", () => {
    const c = certificateVerifyContent("server", Uint8Array.of(0xaa, 0xbb));
    expect(c.length).toBe(64 + 33 + 1 + 2);
    expect(c.subarray(0, 64).every((b) => b === 0x20)).toBe(true);
    expect(Buffer.from(c.subarray(64, 97)).toString()).toBe("TLS 1.3, server CertificateVerify");
    expect([...c.subarray(97)]).toEqual([0, 0xaa, 0xbb]);
    // The client's, with a SHA-384 transcript hash (48 bytes), after the server's: each is whole.
    const h384 = new Uint8Array(48).fill(0x5a);
    const cc = certificateVerifyContent("client", h384);
    expect(cc.length).toBe(64 + 33 + 1 + 48);
    expect(Buffer.from(cc.subarray(64, 97)).toString()).toBe("TLS 1.3, client CertificateVerify");
    expect(cc[97]).toBe(0);
    expect(cc.subarray(98).every((b) => b === 0x5a)).toBe(true);
    const again = certificateVerifyContent("server", Uint8Array.of(1, 2, 3));
    expect([...again.subarray(97)]).toEqual([0, 1, 2, 3]);
  });
});

describe("X25519MLKEM768", () => {
  for (const backend of [nodeCrypto, nobleCrypto]) {
    test(`${backend.name}: shares of 1216 and 1120 bytes, one 64-byte secret on both sides`, () => {
      const client = clientShare13(backend, NamedGroup.X25519MLKEM768);
      expect(client.publicKey.length).toBe(1184 + 32);
      const server = serverShare13(backend, NamedGroup.X25519MLKEM768, client.publicKey);
      expect(server.publicKey.length).toBe(1088 + 32);
      expect(server.secret.length).toBe(64);
      const secret = client.complete(server.publicKey);
      expect(hex(secret)).toBe(hex(server.secret));
      // The x25519 half is the plain x25519 of the two x25519 keys: not X-Wing's hashed combiner.
      expect(hex(secret.subarray(32))).not.toBe(hex(secret.subarray(0, 32)));
    });
  }

  test("an all-zero x25519 result and bad lengths are refused with a DtlsError", () => {
    const client = clientShare13(nodeCrypto, NamedGroup.X25519MLKEM768);
    const lowOrder = new Uint8Array(client.publicKey);
    lowOrder.fill(0, 1184);
    expect(() => serverShare13(nodeCrypto, NamedGroup.X25519MLKEM768, lowOrder)).toThrow(DtlsError);
    expect(() => serverShare13(nodeCrypto, NamedGroup.X25519MLKEM768, client.publicKey.subarray(1))).toThrow(
      DtlsError,
    );
    const server = serverShare13(nodeCrypto, NamedGroup.X25519MLKEM768, client.publicKey);
    const zeroX = new Uint8Array(server.publicKey);
    zeroX.fill(0, 1088);
    expect(() => client.complete(zeroX)).toThrow(DtlsError);
    expect(() => client.complete(server.publicKey.subarray(3))).toThrow(DtlsError);
  });
});

describe("x25519 beside X25519MLKEM768: one key for both shares (as rustls and Go send them)", () => {
  const certificate = DtlsCertificate.generateEcdsa();

  test("the default hello's x25519 share is the hybrid's x25519 half, and either completes alone", () => {
    for (const pick of [NamedGroup.X25519MLKEM768, NamedGroup.x25519]) {
      const config = resolveConfig({ certificate, acceptAnyPeerCertificate: true });
      const groups = initialShareGroups(config);
      expect(groups).toEqual([NamedGroup.X25519MLKEM768, NamedGroup.x25519]);
      const shares = makeShares(config, groups);
      const [hybrid, plain] = shares;
      expect(hex(plain!.publicKey)).toBe(hex(hybrid!.publicKey.subarray(1184)));
      const chosen = shares.find((x) => x.group === pick)!;
      const server = serverShare13(nodeCrypto, pick, chosen.publicKey);
      expect(hex(chosen.complete(server.publicKey))).toBe(hex(server.secret));
      for (const x of shares) x.dispose?.();
    }
  });

  test("the reused half refuses a low-order server key and bad lengths with a DtlsError; plain shares have no half", () => {
    const half = x25519Half(clientShare13(nodeCrypto, NamedGroup.X25519MLKEM768))!;
    expect(() => half.complete(new Uint8Array(32))).toThrow(DtlsError);
    expect(() => half.complete(new Uint8Array(31))).toThrow(DtlsError);
    expect(x25519Half(clientShare13(nodeCrypto, NamedGroup.x25519))).toBeUndefined();
    // Without x25519 in the list nothing is reused: one share per group.
    const config = resolveConfig({
      certificate,
      acceptAnyPeerCertificate: true,
      groups: [NamedGroup.X25519MLKEM768, NamedGroup.secp256r1],
    });
    expect(makeShares(config, initialShareGroups(config)).map((x) => x.group)).toEqual([
      NamedGroup.X25519MLKEM768,
    ]);
  });
});

describe("DTLS 1.3 record protection (RFC 9147 §4)", () => {
  const keys = (n: number) => ({
    key: new Uint8Array(n).fill(1),
    iv: new Uint8Array(12).fill(2),
    sn: new Uint8Array(n).fill(3),
  });
  for (const [aead, n] of [
    ["aes-128-gcm", 16],
    ["aes-256-gcm", 32],
    ["chacha20-poly1305", 32],
  ] as const) {
    test(`${aead}: every header form round-trips, sequence numbers are masked, tampering fails`, () => {
      const a = new RecordAead13(aead, keys(n));
      fc.assert(
        fc.property(
          fc.uint8Array({ maxLength: 300 }),
          fc.integer({ min: 0, max: 2 ** 32 }),
          fc.integer({ min: 2, max: 9 }),
          fc.constantFrom(undefined, { seq8: true }, { noLength: true }, { seq8: true, noLength: true }),
          fc.integer({ min: 0, max: 400 }),
          (data, seq, epoch, form, flip) => {
            const rec = a.seal(epoch, seq, 23, data, form);
            const { record, next } = parseUnifiedRecord(rec, 0);
            expect(next).toBe(rec.length);
            expect(record.epochBits).toBe(epoch & 3);
            const bits = a.sequenceBits(record);
            expect(bits).toBe(seq & (record.seqLength === 2 ? 0xffff : 0xff));
            const full = reconstructSequence(bits, record.seqLength as 1 | 2, seq);
            expect(full).toBe(seq);
            const opened = a.open(record, full);
            expect(opened.type).toBe(23);
            expect(hex(opened.content)).toBe(hex(data));
            const bad = new Uint8Array(rec);
            const i = record.header.length + (flip % (rec.length - record.header.length));
            bad[i]! ^= 0x40;
            expect(() => a.open(parseUnifiedRecord(bad, 0).record, full)).toThrow(DtlsError);
          },
        ),
        { numRuns: 300 },
      );
    });
  }

  test("a connection ID is refused cleanly; random bytes parse or throw DtlsError only", () => {
    expect(() => parseUnifiedRecord(Uint8Array.of(0x3c, 1, 2, 0, 0), 0)).toThrow(/connection ID/);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (d) => {
        d[0] = 0x20 | (d[0]! & 0x1f);
        try {
          parseUnifiedRecord(d, 0);
        } catch (e) {
          expect(e).toBeInstanceOf(DtlsError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test("sequence reconstruction picks the closest value (RFC 9147 §4.2.2)", () => {
    expect(reconstructSequence(0x01, 1, 0x1ff)).toBe(0x201);
    expect(reconstructSequence(0xff, 1, 0x201)).toBe(0x1ff);
    expect(reconstructSequence(0x0000, 2, 0xfffe)).toBe(0x10000);
    expect(reconstructSequence(5, 2, 0)).toBe(5);
  });
});
