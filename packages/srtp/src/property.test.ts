import { createHmac, randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AesCmKeystream } from "./aes-cm.js";
import { SrtpContext } from "./context.js";
import { SrtpError } from "./errors.js";
import { HmacSha1 } from "./hmac-sha1.js";
import { estimateRoc } from "./index-estimation.js";
import { KeystreamCache } from "./keystream-cache.js";
import { SRTP_PROFILES, type SrtpProfileName } from "./profiles.js";
import { ReplayWindow } from "./replay.js";
import { rtcpPacket, rtpPacket, toHex } from "./test-vectors.test-helper.js";

const PROFILES = Object.keys(SRTP_PROFILES) as SrtpProfileName[];
const contexts = new Map<SrtpProfileName, { masterKey: Uint8Array; masterSalt: Uint8Array }>(
  PROFILES.map((p) => [
    p,
    {
      masterKey: randomBytes(SRTP_PROFILES[p].keyLength),
      masterSalt: randomBytes(SRTP_PROFILES[p].saltLength),
    },
  ]),
);
const context = (profile: SrtpProfileName) => new SrtpContext({ profile, ...contexts.get(profile)! });

const rtpArb = fc.record({
  seq: fc.integer({ min: 0, max: 0xffff }),
  ssrc: fc.integer({ min: 0, max: 0xffffffff }),
  payload: fc.uint8Array({ maxLength: 1500 }),
  csrcs: fc.integer({ min: 0, max: 15 }),
  extWords: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
  pt: fc.integer({ min: 0, max: 127 }),
});

/** Runs `fn`; anything but a value or an SrtpError fails the property. */
function typed(fn: () => Uint8Array): Uint8Array | SrtpError {
  try {
    return fn();
  } catch (error) {
    if (error instanceof SrtpError) return error;
    throw error;
  }
}

describe("property: protect → unprotect", () => {
  it("round-trips random RTP packets (CSRCs, extensions, 0–1,500-byte payloads) for every profile", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PROFILES),
        fc.uniqueArray(rtpArb, { minLength: 1, maxLength: 8, selector: (p) => p.ssrc }),
        (profile, packets) => {
          const tx = context(profile);
          const rx = context(profile);
          // One SSRC per packet so that random sequence numbers never look like replays.
          for (const p of packets) {
            const rtp = rtpPacket(p);
            expect(toHex(rx.unprotectRtp(tx.protectRtp(rtp)))).toBe(toHex(rtp));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("round-trips random RTCP packets", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PROFILES),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.array(fc.uint8Array({ maxLength: 1400 }), { minLength: 1, maxLength: 6 }),
        (profile, ssrc, bodies) => {
          const tx = context(profile);
          const rx = context(profile);
          for (const body of bodies) {
            const rtcp = rtcpPacket(ssrc, body);
            expect(toHex(rx.unprotectRtcp(tx.protectRtcp(rtcp)))).toBe(toHex(rtcp));
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("property: any byte string gets a typed error, never a crash", () => {
  it("random bytes to unprotectRtp / unprotectRtcp", () => {
    const rx = PROFILES.map(context);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1600 }), fc.boolean(), (bytes, v2) => {
        if (v2 && bytes.length > 0) bytes[0] = (bytes[0]! & 0x3f) | 0x80; // past the version check
        for (const c of rx) {
          expect(typed(() => c.unprotectRtp(bytes))).toBeInstanceOf(SrtpError);
          expect(typed(() => c.unprotectRtcp(bytes))).toBeInstanceOf(SrtpError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("oversized input (past a UDP datagram) is ERR_TOO_LONG on every entry point", () => {
    for (const profile of PROFILES) {
      const c = context(profile);
      for (const size of [0x10000, 200_000]) {
        const big = new Uint8Array(size);
        big[0] = 0x80;
        for (const fn of [c.protectRtp, c.unprotectRtp, c.protectRtcp, c.unprotectRtcp]) {
          const r = typed(() => fn.call(c, big));
          expect(r).toBeInstanceOf(SrtpError);
          expect((r as SrtpError).code).toBe("ERR_TOO_LONG");
        }
      }
      // The largest datagram still round-trips (the tag makes protect's output longer: that is fine).
      const rtp = rtpPacket({
        seq: 1,
        ssrc: 1,
        payload: new Uint8Array(0xffff - 12 - SRTP_PROFILES[profile].rtpTagLength),
      });
      expect(context(profile).unprotectRtp(c.protectRtp(rtp)).length).toBe(rtp.length);
    }
  });

  it("mutated genuine packets (bytes changed, cut or appended) are refused", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PROFILES),
        rtpArb,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }),
        fc.integer({ min: -40, max: 40 }),
        (profile, p, flips, resize) => {
          const genuine = context(profile).protectRtp(rtpPacket(p));
          let mutated = genuine.slice();
          for (const [at, x] of flips) mutated[at % mutated.length]! ^= x;
          if (resize < 0) mutated = mutated.subarray(0, Math.max(0, mutated.length + resize));
          else if (resize > 0)
            mutated = Uint8Array.from([...mutated, ...new Uint8Array(resize).fill(resize)]);
          const result = typed(() => context(profile).unprotectRtp(mutated));
          if (toHex(mutated) === toHex(genuine)) expect(result).toBeInstanceOf(Uint8Array);
          else expect(result).toBeInstanceOf(SrtpError);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("property: the fast paths equal their plain definitions", () => {
  it("HmacSha1 (native inner hash + JS outer block) equals createHmac", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.uint8Array({ maxLength: 3000 }),
        fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: -1 }),
        (key, message, trailer) => {
          const expected = createHmac("sha1", key).update(message);
          if (trailer >= 0)
            expected.update(Uint8Array.of(trailer >>> 24, trailer >>> 16, trailer >>> 8, trailer));
          const out = new Uint8Array(20);
          const mac = new HmacSha1(key);
          mac.sign(message, 0, message.length, trailer, out, 0, 20);
          expect(toHex(out)).toBe(expected.digest("hex"));
          expect(mac.verify(message, 0, message.length, trailer, out, 0, 10)).toBe(true);
          out[3]! ^= 1;
          expect(mac.verify(message, 0, message.length, trailer, out, 0, 10)).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("the keystream cache gives the same bytes as computing each packet afresh, in any order", () => {
    const key = randomBytes(16);
    const salt = randomBytes(14);
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            ssrc: fc.constantFrom(1, 2, 0xffffffff),
            index: fc.integer({ min: 0x1fff0, max: 0x20030 }),
            length: fc.integer({ min: 1, max: 3000 }),
          }),
          { maxLength: 60 },
        ),
        (ops) => {
          const cache = new KeystreamCache(new AesCmKeystream(key), salt);
          const plain = new AesCmKeystream(key);
          for (const { ssrc, index, length } of ops) {
            const a = new Uint8Array(length + 4);
            const b = new Uint8Array(length + 4);
            cache.xor(ssrc, index, a, 4, length + 4);
            plain.xor(salt, ssrc, Math.floor(index / 0x10000), index & 0xffff, b, 4, length + 4);
            expect(toHex(a)).toBe(toHex(b));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("the replay window matches a set-based model", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 300 }), (indices) => {
        const w = new ReplayWindow(128);
        const seen = new Set<number>();
        let top = -1;
        for (const i of indices) {
          const fresh = i > top || (top - i < 128 && !seen.has(i));
          expect(w.check(i)).toBe(fresh);
          if (fresh) {
            w.accept(i);
            seen.add(i);
            top = Math.max(top, i);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it("estimateRoc finds the true ROC whenever the index moved less than 2^15", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: -32767, max: 32767 }),
        (highest, delta) => {
          const index = highest + delta;
          if (index < 0) return;
          const roc = estimateRoc(highest % 0x10000, Math.floor(highest / 0x10000), index % 0x10000);
          expect(roc).toBe(Math.floor(index / 0x10000));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
