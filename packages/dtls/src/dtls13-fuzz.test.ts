import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { DtlsError } from "./errors.js";
import {
  parseClientShares,
  parseClientVersions,
  parseCookie,
  parseHrrGroup,
  parseServerShare,
  parseServerVersion,
} from "./extensions/tls13.js";
import { parseClientHello } from "./handshake/client-hello.js";
import { parseHandshakeFragments } from "./handshake/header.js";
import { parseServerHello } from "./handshake/server-hello.js";
import {
  encodeAck,
  encodeCertificate13,
  encodeCertificateRequest13,
  encodeEncryptedExtensions,
  parseAck,
  parseCertificate13,
  parseCertificateRequest13,
  parseEncryptedExtensions,
  parseKeyUpdate,
} from "./handshake/tls13.js";
import { DtlsCertificate, DtlsConnection } from "./index.js";
import { type LinkFilter, memoryPair } from "./memory-transport.test-helper.js";
import { parseDatagram } from "./record/header.js";

function onlyDtlsErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof DtlsError)) throw error;
  }
}

/** Mutations of a sample: bit flips, byte overwrites, truncation, insertion. */
function mutated(samples: Uint8Array[]) {
  return fc
    .tuple(
      fc.constantFrom(...samples),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 3 })), {
        minLength: 1,
        maxLength: 6,
      }),
    )
    .map(([sample, edits]) => {
      let out = new Uint8Array(sample);
      for (const [pos, value, kind] of edits) {
        if (out.length === 0) break;
        const i = pos % out.length;
        if (kind === 0) out[i] = out[i]! ^ (1 << (value % 8));
        else if (kind === 1) out[i] = value;
        else if (kind === 2) out = out.subarray(0, i);
        else out = Uint8Array.from([...out.subarray(0, i), value, ...out.subarray(i)]);
      }
      return out;
    });
}

const certificate = await DtlsCertificate.generate();

/** Datagrams of a real DTLS 1.3 handshake with a HelloRetryRequest (cookie), post-quantum shares, data. */
async function capture() {
  const log: { d: Uint8Array; dir: string }[] = [];
  const filter: { fn?: LinkFilter } = {
    fn: (d, dir) => {
      log.push({ d, dir });
      return [d];
    },
  };
  const [a, b] = memoryPair(filter);
  const opts = {
    certificate,
    acceptAnyPeerCertificate: true,
    srtpProfiles: ["SRTP_AEAD_AES_128_GCM"] as const,
  };
  const client = new DtlsConnection(a, { role: "client", ...opts, keyUpdateAfterRecords: 2, mtu: 1500 }); // hellos whole
  const server = new DtlsConnection(b, { role: "server", helloVerify: true, ...opts });
  await Promise.all([client.connect(), server.connect()]);
  for (let i = 0; i < 4; i++) client.send(new Uint8Array(50).fill(i));
  await new Promise((r) => setTimeout(r, 20));
  await client.close();
  await server.close();
  return {
    toServer: log.filter((l) => l.dir === "a→b").map((l) => l.d),
    toClient: log.filter((l) => l.dir === "b→a").map((l) => l.d),
  };
}

const { toServer, toClient } = await capture();
const plaintext = new Map<number, Uint8Array[]>();
for (const d of [...toServer, ...toClient])
  for (const r of parseDatagram(d).records)
    if (!("header" in r) && r.type === 22)
      for (const f of parseHandshakeFragments(r.body, 1 << 16))
        if (f.whole) plaintext.set(f.type, [...(plaintext.get(f.type) ?? []), new Uint8Array(f.body)]);

const samples: Record<string, { parse: (b: Uint8Array) => unknown; valid: Uint8Array[] }> = {
  "ServerHello (1.3, HelloRetryRequest)": { parse: parseServerHello, valid: plaintext.get(2) ?? [] },
  EncryptedExtensions: {
    parse: parseEncryptedExtensions,
    valid: [encodeEncryptedExtensions([{ type: 14, data: Uint8Array.of(0, 2, 0, 7, 0) }])],
  },
  "CertificateRequest (1.3)": {
    parse: parseCertificateRequest13,
    valid: [
      encodeCertificateRequest13(new Uint8Array(0), [{ type: 13, data: Uint8Array.of(0, 4, 4, 3, 8, 4) }]),
    ],
  },
  "Certificate (1.3)": {
    parse: parseCertificate13,
    valid: [encodeCertificate13(new Uint8Array(0), [certificate.der])],
  },
  ACK: {
    parse: parseAck,
    valid: [
      encodeAck([
        { epoch: 2, seq: 3 },
        { epoch: 3, seq: 0 },
      ]),
    ],
  },
  KeyUpdate: { parse: parseKeyUpdate, valid: [Uint8Array.of(1), Uint8Array.of(0)] },
  "key_share (client)": { parse: parseClientShares, valid: [] },
  "key_share (server), HRR group, versions, cookie": {
    parse: (b) => {
      onlyDtlsErrors(() => parseServerShare(b));
      onlyDtlsErrors(() => parseHrrGroup(b));
      onlyDtlsErrors(() => parseServerVersion(b));
      onlyDtlsErrors(() => parseClientVersions(b));
      return parseCookie(b);
    },
    valid: [],
  },
};
// The client's key_share extension as sent (1216 + 32 byte shares).
for (const body of plaintext.get(1) ?? []) {
  const share = parseClientHello(body).extensions.raw.find((e) => e.type === 51);
  if (share) samples["key_share (client)"]!.valid.push(share.data);
}

describe("DTLS 1.3 parsers throw only DtlsError (fast-check)", () => {
  test("the capture has the hellos of a HelloRetryRequest exchange", () => {
    expect(plaintext.get(1)?.length).toBe(2); // ClientHello1 and ClientHello2
    expect(plaintext.get(2)?.length).toBe(2); // HelloRetryRequest and ServerHello
  });

  for (const [name, { parse, valid }] of Object.entries(samples)) {
    test(`${name}: valid parses, random (3,000) and mutated (3,000) only DtlsError`, () => {
      for (const v of valid) parse(v);
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 400 }), (b) => onlyDtlsErrors(() => parse(b))),
        {
          numRuns: 3000,
        },
      );
      if (valid.length > 0)
        fc.assert(
          fc.property(mutated(valid), (b) => onlyDtlsErrors(() => parse(b))),
          { numRuns: 3000 },
        );
    });
  }

  test("datagrams with unified headers: random (10,000) and mutated (10,000)", () => {
    const check = (d: Uint8Array) => {
      const { records } = parseDatagram(d);
      for (const r of records) expect(r.body.length).toBeLessThanOrEqual(d.length);
    };
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), (d) => {
        d[0] = 0x20 | (d[0]! & 0x1f);
        check(d);
      }),
      { numRuns: 10_000 },
    );
    fc.assert(fc.property(mutated([...toServer, ...toClient]), check), { numRuns: 10_000 });
  });

  for (const role of ["server", "client"] as const) {
    test(`a 1.3 ${role} fed mutated datagrams of a real 1.3 handshake never throws, never hangs (3,000)`, async () => {
      const open = () => {
        const [, b] = memoryPair();
        const conn = new DtlsConnection(b, {
          role,
          certificate,
          acceptAnyPeerCertificate: true,
          ...(role === "server" ? { helloVerify: false } : {}),
        });
        void conn.connect().catch(() => {});
        return { b, conn };
      };
      let s = open();
      const all: DtlsConnection[] = [s.conn];
      fc.assert(
        fc.property(mutated(role === "server" ? toServer : toClient), (d) => {
          if (s.conn.state === "closed") {
            s = open();
            all.push(s.conn);
          }
          s.b.inject(d);
        }),
        { numRuns: 3000 },
      );
      await Promise.all(all.map((c) => c.close()));
      for (const c of all) expect(c.state).toBe("closed");
    });
  }
});
