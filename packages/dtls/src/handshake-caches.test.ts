import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { DtlsCertificate } from "./certificate.js";
import { DEFAULT_SIGNATURE_SCHEMES, SignatureScheme, schemeKeyType } from "./crypto/groups.js";
import { certificate13Body, encodeCertificate13, parseCertificate13 } from "./handshake/tls13.js";
import { Transcript } from "./handshake/transcript.js";
import { schemes13 } from "./tls13/authentication.js";

const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return Buffer.from(h.digest());
};

describe("the handshake transcript buffer", () => {
  test("hashes exactly the bytes appended, in both forms, across growth and reset", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            tls: fc.boolean(),
            type: fc.integer({ min: 0, max: 255 }),
            body: fc.uint8Array({ maxLength: 3000 }),
          }),
          { maxLength: 8 },
        ),
        fc.nat({ max: 8 }),
        (messages, resetAt) => {
          const t = new Transcript();
          let expected: Uint8Array[] = [];
          messages.forEach((m, i) => {
            if (i === resetAt) {
              t.reset();
              expected = [];
            }
            if (m.tls) {
              t.addTls(m.type, m.body);
              const n = m.body.length;
              expected.push(Uint8Array.of(m.type, n >>> 16, (n >>> 8) & 0xff, n & 0xff), m.body);
            } else {
              t.add(m.body);
              expected.push(m.body);
            }
          });
          expect(t.length).toBe(expected.reduce((s, p) => s + p.length, 0));
          expect(Buffer.from(t.bytes()).equals(Buffer.concat(expected))).toBe(true);
          expect(t.hash("sha256").equals(sha256(...expected))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("release drops the buffer; the transcript can start again", () => {
    const t = new Transcript();
    t.add(new Uint8Array(5000).fill(7));
    t.release();
    expect(t.length).toBe(0);
    expect(t.hash("sha256").equals(sha256())).toBe(true);
    t.addTls(1, Uint8Array.of(9));
    expect([...t.bytes()]).toEqual([1, 0, 0, 1, 9]);
  });
});

describe("the per-certificate Certificate body cache (DTLS 1.3)", () => {
  test("is the encoded body of the certificate asked for, never another's, and made once per certificate", async () => {
    const a = await DtlsCertificate.generate();
    const b = await DtlsCertificate.generate();
    const empty = new Uint8Array(0);
    const bodyA = certificate13Body(empty, a.der);
    expect(Buffer.from(bodyA).equals(Buffer.from(encodeCertificate13(empty, [a.der])))).toBe(true);
    // A changed certificate (a new DER array) gets its own body, not the cached one.
    const bodyB = certificate13Body(empty, b.der);
    expect(parseCertificate13(bodyB).chain[0]).toEqual(b.der);
    expect(Buffer.from(bodyB).equals(Buffer.from(bodyA))).toBe(false);
    // The same certificate is served the same body again.
    expect(certificate13Body(empty, a.der)).toBe(bodyA);
    // Same bytes in another array (a certificate loaded again): a body equal to it.
    expect(Buffer.from(certificate13Body(empty, new Uint8Array(a.der))).equals(Buffer.from(bodyA))).toBe(
      true,
    );
  });

  test("a non-empty request context is encoded each time and carried in the body", async () => {
    const a = await DtlsCertificate.generate();
    const context = Uint8Array.of(1, 2, 3);
    const body = certificate13Body(context, a.der);
    expect(parseCertificate13(body).context).toEqual(context);
    expect(certificate13Body(context, a.der)).not.toBe(body);
  });

  test("is keyed weakly: a dropped certificate's body can be collected (bounded by the live certificates)", async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc).toBeDefined();
    let der: Uint8Array | undefined = new Uint8Array((await DtlsCertificate.generate()).der);
    const body = new WeakRef(certificate13Body(new Uint8Array(0), der));
    der = undefined;
    for (let i = 0; i < 10 && body.deref(); i++) {
      await new Promise((r) => setImmediate(r));
      gc!();
    }
    expect(body.deref()).toBeUndefined();
  });
});

describe("the DTLS 1.3 signature scheme lists (filtered once per configured list and key type)", () => {
  const uncached = (list: readonly SignatureScheme[], keyType: "ecdsa" | "rsa" | undefined) =>
    list.filter(
      (s) =>
        s !== SignatureScheme.rsa_pkcs1_sha256 && (keyType === undefined || schemeKeyType(s) === keyType),
    );

  test("each list and key type gets its own answer, equal to filtering it afresh, and the same array again", () => {
    const a: readonly SignatureScheme[] = [...DEFAULT_SIGNATURE_SCHEMES];
    const b: readonly SignatureScheme[] = [
      SignatureScheme.rsa_pkcs1_sha256,
      SignatureScheme.rsa_pss_rsae_sha256,
    ];
    for (const list of [a, b, DEFAULT_SIGNATURE_SCHEMES])
      for (const keyType of ["ecdsa", "rsa", undefined] as const) {
        const got = schemes13(list, keyType);
        expect([...got]).toEqual(uncached(list, keyType));
        expect(got).not.toContain(SignatureScheme.rsa_pkcs1_sha256);
        expect(schemes13(list, keyType)).toBe(got);
      }
    // Another list with other contents is not served the first list's answer.
    expect([...schemes13(b, "rsa")]).toEqual([SignatureScheme.rsa_pss_rsae_sha256]);
    expect([...schemes13(b, "ecdsa")]).toEqual([]);
  });
});
