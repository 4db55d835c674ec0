import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { parseServerShare, parseServerVersion } from "./extensions/tls13.js";
import { parseClientHello } from "./handshake/client-hello.js";
import { HandshakeType, parseHandshakeFragments } from "./handshake/header.js";
import { parseHelloVerifyRequest } from "./handshake/hello-verify-request.js";
import { Reassembler } from "./handshake/reassembler.js";
import { parseServerHello } from "./handshake/server-hello.js";
import { parseServerKeyExchange } from "./handshake/server-key-exchange.js";
import { DtlsCertificate, DtlsConnection } from "./index.js";
import { memoryPair } from "./memory-transport.test-helper.js";
import { parseDatagram } from "./record/header.js";

const dir = new URL("../../../test-vectors/dtls/", import.meta.url);
const load = (name: string) =>
  new Uint8Array(Buffer.from(readFileSync(new URL(name, dir), "utf8").replace(/\s+/g, ""), "hex"));

const browsers = {
  chromium: ["chromium-156-clienthello-datagram1.hex", "chromium-156-clienthello-datagram2.hex"],
  firefox: ["firefox-153-clienthello-datagram1.hex", "firefox-153-clienthello-datagram2.hex"],
  "firefox (with cookie)": [
    "firefox-153-clienthello-cookie-datagram1.hex",
    "firefox-153-clienthello-cookie-datagram2.hex",
  ],
};

/** All handshake messages in datagrams (epoch 0 only), reassembled. */
function messages(datagrams: Uint8Array[]) {
  const r = new Reassembler(64);
  const out = [];
  let started = false;
  for (const d of datagrams) {
    const { records, error } = parseDatagram(d);
    expect(error).toBeUndefined();
    for (const rec of records) {
      if ("header" in rec || rec.type !== 22 || rec.epoch !== 0) continue;
      for (const f of parseHandshakeFragments(rec.body, 1 << 16)) {
        if (!started) r.next = f.messageSeq; // flights may start past 0
        started = true;
        r.add(f, 0);
      }
    }
    for (let m = r.pop(); m; m = r.pop()) out.push(m);
  }
  return out;
}

const cert = await DtlsCertificate.generate();

describe("real browser ClientHellos (test-vectors/dtls)", () => {
  test("Chromium 156: 1413-byte hello fragmented at 1175 parses: DTLS 1.3+1.2, X25519MLKEM768 + x25519", () => {
    const [hello] = messages(browsers.chromium.map(load));
    expect(hello?.type).toBe(HandshakeType.client_hello);
    expect(hello?.body.length).toBe(1413);
    const ch = parseClientHello(hello!.body);
    expect(ch.version).toBe(0xfefd);
    expect(ch.cookie.length).toBe(0);
    expect(ch.cipherSuites).toContain(0xc02b);
    expect(ch.extensions.supportedGroups).toEqual(expect.arrayContaining([0x11ec, 0x1d]));
    expect(ch.extensions.extendedMasterSecret).toBe(true);
    expect(ch.extensions.useSrtp?.profiles).toContain(0x0001);
    expect(ch.extensions.raw.map((e) => e.type)).toEqual(expect.arrayContaining([43, 51])); // supported_versions, key_share
  });

  test("Firefox 153 hellos parse (with and without cookie)", () => {
    const [plain] = messages(browsers.firefox.map(load));
    const [cookied] = messages(browsers["firefox (with cookie)"].map(load));
    const a = parseClientHello(plain!.body);
    const b = parseClientHello(cookied!.body);
    expect(a.cookie.length).toBe(0);
    expect(b.cookie.length).toBeGreaterThan(0);
    expect(a.random).toEqual(b.random);
    expect(a.extensions.useSrtp?.profiles.length).toBe(4);
  });

  for (const [name, files] of Object.entries(browsers)) {
    test(`${name}: a 1.2-only server answers with DTLS 1.2, x25519, ECDHE-ECDSA-AES128-GCM, EMS, use_srtp`, async () => {
      const [, b] = memoryPair();
      const server = new DtlsConnection(b, {
        role: "server",
        certificate: cert,
        acceptAnyPeerCertificate: true,
        helloVerify: false,
        versions: ["1.2"],
        srtpProfiles: ["SRTP_AES128_CM_HMAC_SHA1_80"],
      });
      void server.connect().catch(() => {});
      for (const d of files.map(load)) b.inject(d);
      const flight = messages(b.sent);
      expect(flight.map((m) => m.type)).toEqual([
        HandshakeType.server_hello,
        HandshakeType.certificate,
        HandshakeType.server_key_exchange,
        HandshakeType.certificate_request,
        HandshakeType.server_hello_done,
      ]);
      const sh = parseServerHello(flight[0]!.body);
      expect(sh.version).toBe(0xfefd);
      expect(sh.cipherSuite).toBe(0xc02b);
      expect(sh.extensions.extendedMasterSecret).toBe(true);
      expect(sh.extensions.useSrtp?.profiles).toEqual([0x0001]);
      expect(sh.extensions.raw.map((e) => e.type)).not.toContain(43); // no supported_versions: this is 1.2
      expect(parseServerKeyExchange(flight[2]!.body).group).toBe(0x1d);
      await server.close();
    });
  }

  for (const name of ["chromium", "firefox"] as const) {
    test(`${name}: answered with a DTLS 1.3 ServerHello for X25519MLKEM768 (0x11EC), then epoch-2 records`, async () => {
      const [, b] = memoryPair();
      const server = new DtlsConnection(b, {
        role: "server",
        certificate: cert,
        acceptAnyPeerCertificate: true,
        helloVerify: false,
        srtpProfiles: ["SRTP_AES128_CM_HMAC_SHA1_80"],
      });
      void server.connect().catch(() => {});
      for (const d of browsers[name].map(load)) b.inject(d);
      const [sh] = messages(b.sent);
      expect(sh?.type).toBe(HandshakeType.server_hello);
      const hello = parseServerHello(sh!.body);
      expect(hello.version).toBe(0xfefd); // legacy_version
      expect(hello.cipherSuite).toBe(0x1301);
      expect(hello.sessionId.length).toBe(0);
      const raw = hello.extensions.raw;
      expect(parseServerVersion(raw.find((e) => e.type === 43)!.data)).toBe(0xfefc);
      const share = parseServerShare(raw.find((e) => e.type === 51)!.data);
      expect(share.group).toBe(0x11ec);
      expect(share.keyExchange.length).toBe(1088 + 32);
      // The rest of the flight is protected: unified headers of epoch 2 (EncryptedExtensions,
      // CertificateRequest, Certificate, CertificateVerify and Finished share records while they fit).
      const protectedRecords = b.sent.flatMap((d) => parseDatagram(d).records).filter((r) => "header" in r);
      expect(protectedRecords.length).toBeGreaterThanOrEqual(1);
      const protectedBytes = protectedRecords.reduce((n, r) => n + ("body" in r ? r.body.length : 0), 0);
      expect(protectedBytes).toBeGreaterThan(cert.der.length);
      expect(protectedRecords.every((r) => "header" in r && r.epochBits === 2)).toBe(true);
      await server.close();
    });
  }

  test("Chromium: a server with a cookie exchange answers the fragmented 1.3 hello with a HelloRetryRequest cookie, no HelloVerifyRequest", async () => {
    const [, b] = memoryPair();
    const server = new DtlsConnection(b, {
      role: "server",
      certificate: cert,
      acceptAnyPeerCertificate: true,
    });
    void server.connect().catch(() => {});
    for (const d of browsers.chromium.map(load)) b.inject(d);
    const [hrr] = messages(b.sent);
    expect(hrr?.type).toBe(HandshakeType.server_hello);
    const sh = parseServerHello(hrr!.body);
    expect(Buffer.from(sh.random).toString("hex")).toBe(
      "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c",
    );
    expect(sh.extensions.raw.map((e) => e.type)).toEqual([43, 44]); // supported_versions, cookie: no group change
    await server.close();
  });

  test("Chromium: a cookie-less hello gets a stateless HelloVerifyRequest from its first fragment (1.2-only server)", async () => {
    const [, b] = memoryPair();
    const server = new DtlsConnection(b, {
      role: "server",
      certificate: cert,
      acceptAnyPeerCertificate: true,
      versions: ["1.2"],
    });
    void server.connect().catch(() => {});
    b.inject(load(browsers.chromium[0]!));
    const [hvr] = messages(b.sent);
    expect(hvr?.type).toBe(HandshakeType.hello_verify_request);
    expect(parseHelloVerifyRequest(hvr!.body).cookie.length).toBe(20);
    await server.close();
  });
});
