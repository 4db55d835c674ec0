import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { mutated } from "./fuzz.test-helper.js";
import { dtls13FuzzTargets } from "./fuzz-targets.js";
import { parseHandshakeFragments } from "./handshake/header.js";
import { DtlsCertificate, DtlsConnection } from "./index.js";
import { type LinkFilter, memoryPair } from "./memory-transport.test-helper.js";
import { parseDatagram } from "./record/header.js";

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
/** Plaintext handshake messages of the capture, by type (only the hellos travel unencrypted in 1.3). */
const plaintext = new Map<number, number>();
for (const d of [...toServer, ...toClient])
  for (const r of parseDatagram(d).records)
    if (!("header" in r) && r.type === 22)
      for (const f of parseHandshakeFragments(r.body, 1 << 16))
        if (f.whole) plaintext.set(f.type, (plaintext.get(f.type) ?? 0) + 1);

// The same targets and seeds `npm run fuzz` runs a million times each; here a few thousand per CI run.
const targets = dtls13FuzzTargets([...toServer, ...toClient], certificate.der);

/** Runs one target's parser; an error its target does not expect fails the property. */
function survives(target: (typeof targets)[number], input: Uint8Array): void {
  try {
    target.run(input);
  } catch (error) {
    if (!target.expected(error)) throw error;
  }
}

describe("DTLS 1.3 parsers throw only DtlsError (fast-check)", () => {
  test("the capture has the hellos of a HelloRetryRequest exchange", () => {
    expect(plaintext.get(1)).toBe(2); // ClientHello1 and ClientHello2
    expect(plaintext.get(2)).toBe(2); // HelloRetryRequest and ServerHello
  });

  for (const target of targets) {
    test(`${target.name}: seeds parse, random (3,000) and mutated (3,000) throw only what is expected`, () => {
      expect(target.seeds.length).toBeGreaterThan(0);
      for (const seed of target.seeds) survives(target, seed);
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 400 }), (b) => survives(target, b)),
        { numRuns: 3000 },
      );
      fc.assert(
        fc.property(mutated(target.seeds), (b) => survives(target, b)),
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
