import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COOKIE_SIZE, type CookieContents, CookieSigner, KEY_ROTATION } from "./cookie.js";
import { SctpError } from "./errors.js";
import { randomFill, randomUint32 } from "./random.js";

const contents: CookieContents = {
  localTag: 0x01020304,
  peerTag: 0xfffffffe,
  localInitialTsn: 7,
  peerInitialTsn: 0x80000000,
  peerArwnd: 1 << 20,
  outboundStreams: 1024,
  inboundStreams: 65535,
  peerForwardTsn: true,
  peerReconfig: false,
  peerZeroChecksum: true,
  peerInterleaving: false,
  localTieTag: 0,
  peerTieTag: 9,
};

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (!(e instanceof SctpError)) throw e;
    return e.code;
  }
}

describe("State Cookie (RFC 9260 §5.1.3, §5.1.5)", () => {
  const now = Date.now();

  it("carries what was signed back, and is COOKIE_SIZE bytes", () => {
    const s = new CookieSigner();
    const c = s.sign(contents, now);
    expect(c.length).toBe(COOKIE_SIZE);
    expect(s.verify(c, now + 10)).toEqual(contents);
  });

  it("any changed byte makes it forged", () => {
    const s = new CookieSigner();
    const c = s.sign(contents, now);
    fc.assert(
      fc.property(fc.nat(COOKIE_SIZE - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const m = c.slice();
        m[i]! ^= x;
        expect(codeOf(() => s.verify(m, now))).toBe("ERR_BAD_COOKIE");
      }),
    );
  });

  it("random input of any size is refused with a typed error", () => {
    const s = new CookieSigner();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2 * COOKIE_SIZE }), (b) => {
        expect(codeOf(() => s.verify(b, now))).toBe("ERR_BAD_COOKIE");
      }),
    );
  });

  it("one association's cookie is forged at another (the key is per process)", () => {
    const a = new CookieSigner();
    const b = new CookieSigner();
    expect(codeOf(() => b.verify(a.sign(contents, now), now))).toBe("ERR_BAD_COOKIE");
  });

  it("an old cookie is stale, with its staleness in µs; one from the future is refused", () => {
    const s = new CookieSigner(1000);
    const c = s.sign(contents, now);
    expect(s.verify(c, now + 1000)).toEqual(contents);
    try {
      s.verify(c, now + 1250);
      expect.unreachable();
    } catch (e) {
      expect((e as SctpError).code).toBe("ERR_STALE_COOKIE");
      expect((e as SctpError).cause).toEqual({ staleness: 250_000 });
    }
    expect(codeOf(() => s.verify(s.sign(contents, now + 5000), now))).toBe("ERR_BAD_COOKIE");
  });

  it("keys rotate: a cookie of the last key still verifies, one two keys back is refused", () => {
    const s = new CookieSigner(KEY_ROTATION);
    // Far from the real clock's epochs, so other signers of this file keep their key.
    const base = (Math.floor(now / KEY_ROTATION) + 10) * KEY_ROTATION;
    const late = s.sign(contents, base + KEY_ROTATION - 5);
    const next = s.sign(contents, base + KEY_ROTATION + 5); // the next epoch's key
    expect(s.verify(late, base + KEY_ROTATION + 10)).toEqual(contents);
    expect(s.verify(next, base + KEY_ROTATION + 10)).toEqual(contents);
    s.sign(contents, base + 2 * KEY_ROTATION + 5); // and the next: the first key is dropped
    expect(codeOf(() => s.verify(late, base + 2 * KEY_ROTATION))).toBe("ERR_BAD_COOKIE");
    expect(s.verify(s.sign(contents, now), now)).toEqual(contents);
  });
});

describe("pooled CSPRNG (random.ts)", () => {
  it("hands out values that do not repeat, across pool refills", () => {
    const seen = new Set<number>();
    for (let i = 0; i < 3000; i++) seen.add(randomUint32()); // 12 KB: three refills
    expect(seen.size).toBeGreaterThan(2990);
    const a = randomFill(new Uint8Array(16));
    const b = randomFill(new Uint8Array(16));
    expect(a).not.toEqual(b);
    expect(randomFill(new Uint8Array(8192)).some((x) => x !== 0)).toBe(true);
  });
});
