import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parseAlert } from "./alert.js";
import { parseExtensions } from "./extensions/index.js";
import { mutated, onlyDtlsErrors } from "./fuzz.test-helper.js";
import { parseCertificate } from "./handshake/certificate.js";
import { parseCertificateRequest } from "./handshake/certificate-request.js";
import { parseCertificateVerify } from "./handshake/certificate-verify.js";
import { parseClientHello } from "./handshake/client-hello.js";
import { parseClientKeyExchange } from "./handshake/client-key-exchange.js";
import { parseFinished } from "./handshake/finished.js";
import { HandshakeType, parseHandshakeFragments } from "./handshake/header.js";
import { parseHelloVerifyRequest } from "./handshake/hello-verify-request.js";
import { Reassembler } from "./handshake/reassembler.js";
import { parseServerHello } from "./handshake/server-hello.js";
import { parseServerHelloDone } from "./handshake/server-hello-done.js";
import { parseServerKeyExchange } from "./handshake/server-key-exchange.js";
import { DtlsCertificate, DtlsConnection } from "./index.js";
import { memoryPair } from "./memory-transport.test-helper.js";
import { parseRecords } from "./record/header.js";

/*
 * Property tests over random and mutated wire data. Case counts add up to
 * well over 100,000 per run; each parser must either return or throw a
 * DtlsError, never anything else, never hang.
 */

const parsers: Record<number, (b: Uint8Array) => unknown> = {
  [HandshakeType.client_hello]: parseClientHello,
  [HandshakeType.server_hello]: parseServerHello,
  [HandshakeType.hello_verify_request]: parseHelloVerifyRequest,
  [HandshakeType.certificate]: parseCertificate,
  [HandshakeType.server_key_exchange]: parseServerKeyExchange,
  [HandshakeType.certificate_request]: parseCertificateRequest,
  [HandshakeType.server_hello_done]: parseServerHelloDone,
  [HandshakeType.client_key_exchange]: parseClientKeyExchange,
  [HandshakeType.certificate_verify]: parseCertificateVerify,
  [HandshakeType.finished]: parseFinished,
};

/** Datagrams of a real handshake (client → server and back), with a cookie exchange and SRTP. */
async function capture() {
  const [a, b] = memoryPair();
  const certificate = await DtlsCertificate.generate();
  const opts = {
    certificate,
    acceptAnyPeerCertificate: true,
    srtpProfiles: ["SRTP_AES128_CM_HMAC_SHA1_80"] as const,
    versions: ["1.2"] as const, // the DTLS 1.2 messages (1.3 ones are fuzzed in dtls13-fuzz.test.ts)
  };
  const client = new DtlsConnection(a, { role: "client", ...opts });
  const server = new DtlsConnection(b, { role: "server", ...opts });
  await Promise.all([client.connect(), server.connect()]);
  client.send(new Uint8Array(100));
  await new Promise((r) => setImmediate(r));
  await client.close();
  await server.close();
  return { toServer: a.sent, toClient: b.sent };
}

const { toServer, toClient } = await capture();
const datagrams = [...toServer, ...toClient];

/** Plaintext handshake message bodies by type, from the capture. */
const bodies = new Map<number, Uint8Array[]>();
for (const d of datagrams) {
  for (const r of parseRecords(d).records) {
    if (r.type !== 22 || r.epoch !== 0) continue;
    for (const f of parseHandshakeFragments(r.body, 1 << 16)) {
      if (f.fragmentOffset !== 0 || f.body.length !== f.length) continue;
      bodies.set(f.type, [...(bodies.get(f.type) ?? []), new Uint8Array(f.body)]);
    }
  }
}

describe("parsers throw only DtlsError (fast-check)", () => {
  test("captured flights contain every message type we parse", () => {
    for (const t of [1, 2, 3, 11, 12, 13, 14, 16, 15])
      expect(bodies.get(t)?.length, `type ${t}`).toBeGreaterThan(0);
  });

  for (const [type, parse] of Object.entries(parsers)) {
    test(`handshake type ${type}: random bytes (4,000) and mutated real messages (4,000)`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 600 }), (b) => onlyDtlsErrors(() => parse(b))),
        { numRuns: 4000 },
      );
      const samples = bodies.get(Number(type)) ?? [new Uint8Array(12)];
      fc.assert(
        fc.property(mutated(samples), (b) => onlyDtlsErrors(() => parse(b))),
        { numRuns: 4000 },
      );
    });
  }

  test("valid messages parse without error", () => {
    for (const [type, list] of bodies) for (const b of list) parsers[type]?.(b);
  });

  test("extensions and alerts: random (10,000) and mutated (5,000)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        onlyDtlsErrors(() => parseExtensions(b));
        onlyDtlsErrors(() => parseAlert(b.subarray(0, 3)));
      }),
      { numRuns: 10_000 },
    );
    // Mutated hellos cut at random points land in the middle of the extensions block.
    fc.assert(
      fc.property(mutated(bodies.get(1)!), (b) =>
        onlyDtlsErrors(() => parseExtensions(b.subarray(Math.min(b.length, 40)))),
      ),
      { numRuns: 5000 },
    );
  });

  test("record and fragment layer: random (20,000) and mutated datagrams (20,000)", () => {
    const check = (d: Uint8Array) => {
      const { records } = parseRecords(d);
      for (const r of records) {
        expect(r.body.length).toBeLessThanOrEqual(d.length);
        if (r.type === 22) onlyDtlsErrors(() => parseHandshakeFragments(r.body, 1 << 16));
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), check), { numRuns: 20_000 });
    fc.assert(fc.property(mutated(datagrams), check), { numRuns: 20_000 });
  });

  test("reassembler: random fragments never throw anything but DtlsError, never release garbage", () => {
    const frag = fc.record({
      type: fc.integer({ min: 0, max: 20 }),
      length: fc.integer({ min: 0, max: 64 }),
      messageSeq: fc.integer({ min: 0, max: 20 }),
      fragmentOffset: fc.integer({ min: 0, max: 64 }),
      body: fc.uint8Array({ maxLength: 64 }),
    });
    fc.assert(
      fc.property(fc.array(frag, { maxLength: 40 }), (frags) => {
        const r = new Reassembler(8, 1024);
        for (const f of frags) {
          if (f.fragmentOffset + f.body.length > f.length) continue; // the header parser rejects these
          onlyDtlsErrors(() => r.add(f, 0));
          for (let m = r.pop(); m; m = r.pop()) expect(m.body.length).toBeLessThanOrEqual(64);
        }
      }),
      { numRuns: 5000 },
    );
  });

  test("a connection fed mutated records of a real handshake never throws and never hangs (5,000)", async () => {
    const certificate = await DtlsCertificate.generate();
    const open = () => {
      const [, b] = memoryPair();
      const conn = new DtlsConnection(b, {
        role: "server",
        certificate,
        acceptAnyPeerCertificate: true,
        helloVerify: false,
      });
      void conn.connect().catch(() => {});
      return { b, conn };
    };
    let s = open();
    const all: DtlsConnection[] = [s.conn];
    fc.assert(
      fc.property(mutated(toServer), (d) => {
        // A hello that fails the handshake closes the connection: start a fresh one.
        if (s.conn.state === "closed") {
          s = open();
          all.push(s.conn);
        }
        s.b.inject(d); // onDatagram must swallow everything
      }),
      { numRuns: 5000 },
    );
    await Promise.all(all.map((c) => c.close()));
    for (const c of all) expect(c.state).toBe("closed");
  });
});
