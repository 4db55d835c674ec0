import { createHash, createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { equalBytes } from "./bytes.js";
import { CookieAuthority } from "./crypto/cookie.js";
import { HmacKey } from "./crypto/hmac.js";
import { prf } from "./crypto/prf.js";
import { Reassembler } from "./handshake/reassembler.js";
import {
  certificateFingerprint,
  DtlsCertificate,
  DtlsError,
  matchesAnyFingerprint,
  normalizeFingerprint,
} from "./index.js";
import { RecordAead } from "./record/aead.js";
import { parseUnifiedRecord, RecordAead13 } from "./record/aead13.js";
import { ReplayWindow } from "./record/replay-window.js";

const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));

describe("PRF", () => {
  test("TLS 1.2 PRF with SHA-256 matches the IETF TLS WG test vector", () => {
    // Test vector published on the IETF TLS mailing list (msg03416, "TLS 1.2 PRF test vectors").
    const out = prf(
      "sha256",
      hex("9bbe436ba940f017b17652849a71db35"),
      "test label",
      hex("a0ba9f936cda311827a6f796ffd5198c"),
      100,
    );
    expect(Buffer.from(out.subarray(0, 16)).toString("hex")).toBe("e3f229ba727be17b8d122620557cd453");
  });
});

describe("replay window (RFC 6347 §4.1.2.6)", () => {
  test("rejects duplicates and records older than the window", () => {
    const w = new ReplayWindow(64);
    for (const s of [0, 1, 5, 3]) {
      expect(w.check(s)).toBe(true);
      w.accept(s);
    }
    expect(w.check(3)).toBe(false);
    expect(w.check(4)).toBe(true);
    w.accept(200);
    expect(w.check(136)).toBe(false); // 200 - 64
    expect(w.check(137)).toBe(true);
    expect(w.check(5)).toBe(false);
    expect(w.check(2 ** 48 - 1)).toBe(true);
  });
});

describe("reassembler", () => {
  test("out of order, duplicate and overlapping fragments release one message in order", () => {
    const r = new Reassembler();
    const body = Uint8Array.from({ length: 100 }, (_, i) => i);
    const frag = (seq: number, off: number, len: number) => ({
      type: 11,
      length: 100,
      messageSeq: seq,
      fragmentOffset: off,
      body: body.subarray(off, off + len),
    });
    expect(r.add(frag(1, 0, 100), 0)).toBe("buffered");
    expect(r.pop()).toBeUndefined(); // seq 0 first
    r.add(frag(0, 60, 40), 0);
    r.add(frag(0, 0, 30), 0);
    r.add(frag(0, 0, 30), 0);
    expect(r.pop()).toBeUndefined();
    r.add(frag(0, 20, 45), 0);
    expect(r.pop()?.body).toEqual(body);
    expect(r.pop()?.messageSeq).toBe(1);
    expect(r.add(frag(0, 0, 10), 0)).toBe("old");
    expect(r.add(frag(500, 0, 10), 0)).toBe("ignored");
  });

  test("fragments that disagree on the message length are a DtlsError", () => {
    const r = new Reassembler();
    r.add({ type: 1, length: 10, messageSeq: 0, fragmentOffset: 0, body: new Uint8Array(5) }, 0);
    expect(() =>
      r.add({ type: 1, length: 11, messageSeq: 0, fragmentOffset: 5, body: new Uint8Array(5) }, 0),
    ).toThrow(DtlsError);
  });
});

describe("AEAD records", () => {
  for (const alg of ["aes-128-gcm", "aes-256-gcm", "chacha20-poly1305"] as const) {
    test(`${alg}: seal/open round trip; any flipped bit fails authentication`, () => {
      const key = new Uint8Array(alg === "aes-128-gcm" ? 16 : 32).fill(7);
      const iv = new Uint8Array(alg === "chacha20-poly1305" ? 12 : 4).fill(9);
      const a = new RecordAead(alg, key, iv);
      const rec = a.seal(23, 0xfefd, 1, 42, Uint8Array.of(1, 2, 3));
      const body = rec.subarray(13);
      expect([...a.open(23, 0xfefd, 1, 42, body)]).toEqual([1, 2, 3]);
      for (let i = 0; i < body.length; i++) {
        const bad = new Uint8Array(body);
        bad[i]! ^= 1;
        expect(() => a.open(23, 0xfefd, 1, 42, bad)).toThrow(DtlsError);
      }
      expect(() => a.open(23, 0xfefd, 1, 43, body)).toThrow(DtlsError); // sequence is authenticated
    });
  }
});

describe("cookies and fingerprints", () => {
  test("a cookie verifies only for the same remote and hello prefix", () => {
    const c = new CookieAuthority();
    const prefix = new Uint8Array(35).fill(1);
    const cookie = c.make("127.0.0.1:1000", prefix);
    expect(c.verify("127.0.0.1:1000", prefix, cookie)).toBe(true);
    expect(c.verify("127.0.0.1:1001", prefix, cookie)).toBe(false);
    expect(c.verify("127.0.0.1:1000", new Uint8Array(35), cookie)).toBe(false);
    expect(new CookieAuthority().verify("127.0.0.1:1000", prefix, cookie)).toBe(false);
    expect(c.verify("127.0.0.1:1000", prefix, cookie, Date.now() + 180_000)).toBe(false); // expired
  });

  test("normalization: any spelling of a fingerprint gives the one canonical form (property)", () => {
    const algorithms = [
      ["sha-1", 20],
      ["sha-224", 28],
      ["sha-256", 32],
      ["sha-384", 48],
      ["sha-512", 64],
    ] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...algorithms),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.boolean(),
        fc.boolean(),
        ([algorithm, n], bytes, lower, colons) => {
          const hexes = [...bytes.subarray(0, n)].map((b) => b.toString(16).toUpperCase().padStart(2, "0"));
          const canonical = `${algorithm} ${hexes.join(":")}`;
          let spelled = `${algorithm} ${hexes.join(colons ? ":" : "")}`;
          if (lower) spelled = spelled.toLowerCase();
          expect(normalizeFingerprint(spelled)).toBe(canonical);
          expect(normalizeFingerprint(canonical)).toBe(canonical);
          expect(() => normalizeFingerprint(`${algorithm} ${hexes.slice(1).join(":")}`)).toThrow(DtlsError);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("fingerprints in the SDP form; normalization", async () => {
    const cert = await DtlsCertificate.generate();
    expect(cert.fingerprint).toMatch(/^sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(certificateFingerprint(cert.der)).toBe(cert.fingerprint);
    expect(normalizeFingerprint(cert.fingerprint.toLowerCase())).toBe(cert.fingerprint);
    expect(() => normalizeFingerprint("sha-1 AB:CD")).toThrow(DtlsError);
    expect(() => normalizeFingerprint(`md5 ${"AB:".repeat(15)}AB`)).toThrow(DtlsError);
    // Other hash functions of RFC 8122 §5, each checked against node:crypto.
    for (const [algorithm, node] of [
      ["sha-1", "sha1"],
      ["sha-224", "sha224"],
      ["sha-384", "sha384"],
      ["sha-512", "sha512"],
    ] as const) {
      const fp = certificateFingerprint(cert.der, algorithm);
      const hex = createHash(node).update(cert.der).digest("hex").toUpperCase();
      expect(fp).toBe(`${algorithm} ${hex.match(/../g)!.join(":")}`);
      expect(normalizeFingerprint(fp.toLowerCase())).toBe(fp);
      expect(matchesAnyFingerprint(cert.der, cert.fingerprint, [fp])).toBe(true);
      expect(() => normalizeFingerprint(fp.slice(0, -3))).toThrow(DtlsError); // one byte short
    }
    // The canonical form comes back as it is (the fast path); one byte short or long does not.
    expect(normalizeFingerprint(cert.fingerprint)).toBe(cert.fingerprint);
    expect(() => normalizeFingerprint(cert.fingerprint.slice(0, -3))).toThrow(DtlsError);
    expect(() => normalizeFingerprint(`${cert.fingerprint}:AB`)).toThrow(DtlsError);
    const other = certificateFingerprint(new Uint8Array([1, 2, 3]), "sha-384");
    expect(matchesAnyFingerprint(cert.der, cert.fingerprint, [other])).toBe(false);
    expect(matchesAnyFingerprint(cert.der, cert.fingerprint, [other, cert.fingerprint])).toBe(true);
    const again = DtlsCertificate.fromPem(cert.toPem(), cert.privateKeyPem());
    expect(again.fingerprint).toBe(cert.fingerprint);
    expect(equalBytes(again.der, cert.der)).toBe(true);
  });
});

const hexOf = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("one-shot HMAC", () => {
  test("matches RFC 4231 test cases 1, 2 and 6 (SHA-256 and SHA-384)", () => {
    // RFC 4231 §4.2, §4.3, §4.7.
    const data1 = Buffer.from("Hi There");
    const key1 = new Uint8Array(20).fill(0x0b);
    expect(hexOf(new HmacKey("sha256", key1).mac(data1))).toBe(
      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
    );
    expect(hexOf(new HmacKey("sha384", key1).mac(data1))).toBe(
      "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
    );
    const jefe = new HmacKey("sha256", Buffer.from("Jefe"));
    expect(hexOf(jefe.mac(Buffer.from("what do ya want "), Buffer.from("for nothing?")))).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
    // Test case 6: a 131-byte key, longer than the block, is hashed first.
    const long = new HmacKey("sha256", new Uint8Array(131).fill(0xaa));
    expect(hexOf(long.mac(Buffer.from("Test Using Larger Than Block-Size Key - Hash Key First")))).toBe(
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    );
  });

  test("equals createHmac for random keys and messages, and stays correct when reused", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<"sha256" | "sha384">("sha256", "sha384"),
        fc.uint8Array({ maxLength: 200 }),
        fc.oneof(fc.uint8Array({ maxLength: 60 }), fc.uint8Array({ maxLength: 1500 })),
        fc.option(fc.uint8Array({ maxLength: 300 }), { nil: undefined }),
        (alg, key, a, b) => {
          const k = new HmacKey(alg, key);
          const expected = createHmac(alg, key).update(a);
          if (b) expected.update(b);
          const want = expected.digest("hex");
          expect(hexOf(k.mac(a, b))).toBe(want);
          expect(hexOf(k.mac(a, b))).toBe(want);
          // A prefix of the MAC (HKDF-Expand's shorter outputs), and a trailing counter byte.
          const cut = a.length % (k.digestLength + 1);
          expect(hexOf(k.mac(a, b, undefined, cut))).toBe(want.slice(0, 2 * cut));
          const withLast = createHmac(alg, key).update(a);
          if (b) withLast.update(b);
          expect(hexOf(k.mac(a, b, 7))).toBe(withLast.update(Uint8Array.of(7)).digest("hex"));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("record keys across an epoch (raw bytes for the first records, a KeyObject after)", () => {
  test("40 records each way seal and open with both forms of the key, and a wrong key fails throughout", () => {
    const key = new Uint8Array(16).fill(7);
    const w = new RecordAead("aes-128-gcm", key, new Uint8Array(4).fill(1));
    const r = new RecordAead("aes-128-gcm", key, new Uint8Array(4).fill(1));
    const wrong = new RecordAead("aes-128-gcm", new Uint8Array(16).fill(8), new Uint8Array(4).fill(1));
    const keys = { key, iv: new Uint8Array(12).fill(2), sn: new Uint8Array(16).fill(3) };
    const w13 = new RecordAead13("aes-128-gcm", keys);
    const r13 = new RecordAead13("aes-128-gcm", keys);
    for (let seq = 0; seq < 40; seq++) {
      const data = Uint8Array.of(seq, 1, 2, 3);
      const rec = w.seal(23, 0xfefd, 1, seq, data);
      expect([...r.open(23, 0xfefd, 1, seq, rec.subarray(13))]).toEqual([...data]);
      expect(() => wrong.open(23, 0xfefd, 1, seq, rec.subarray(13))).toThrow(DtlsError);
      const rec13 = parseUnifiedRecord(w13.seal(3, seq, 23, data), 0).record;
      expect(r13.sequenceBits(rec13)).toBe(seq);
      expect([...r13.open(rec13, seq).content]).toEqual([...data]);
    }
  });
});
