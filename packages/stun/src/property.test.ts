import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AttributeType as A,
  decodeMessage,
  StunClass,
  StunError,
  StunKey,
  type StunMessage,
  StunMessageBuilder,
} from "./index.js";
import { vector } from "./test-vectors.test-helper.js";

// Every typed getter: decoding a value lazily may throw, but only StunError.
const GETTERS = [
  "mappedAddress",
  "xorMappedAddress",
  "username",
  "userhash",
  "messageIntegrity",
  "messageIntegritySha256",
  "fingerprint",
  "errorCode",
  "realm",
  "nonce",
  "passwordAlgorithms",
  "passwordAlgorithm",
  "unknownAttributes",
  "software",
  "alternateServer",
  "alternateDomain",
  "priority",
  "useCandidate",
  "iceControlled",
  "iceControlling",
  "channelNumber",
  "lifetime",
  "xorPeerAddresses",
  "data",
  "xorRelayedAddresses",
  "requestedAddressFamily",
  "evenPort",
  "requestedTransport",
  "dontFragment",
  "reservationToken",
  "additionalAddressFamily",
  "addressErrorCode",
  "icmp",
  "responseOrigin",
  "otherAddress",
] as const;

const key = StunKey.shortTerm("property-test-password");

/** Decodes and reads everything; returns false when the decoder rejected the input. */
function probe(bytes: Uint8Array): boolean {
  let m: StunMessage;
  try {
    m = decodeMessage(bytes);
  } catch (error) {
    if (!(error instanceof StunError) || typeof error.code !== "string") throw error;
    return false;
  }
  if (m.raw.length !== bytes.length) throw new Error("raw length differs from input");
  const before = Buffer.from(bytes);
  for (const name of GETTERS) {
    try {
      void (m as unknown as Record<string, unknown>)[name];
    } catch (error) {
      if (!(error instanceof StunError) || error.code !== "ERR_BAD_ATTRIBUTE") throw error;
    }
  }
  for (const a of m.attributes) {
    if (a.value.byteOffset + a.value.length > bytes.byteOffset + bytes.length)
      throw new Error("value overruns");
  }
  m.checkFingerprint();
  m.checkIntegrity(key);
  m.checkIntegritySha256(key);
  try {
    m.verify({ key, requireFingerprint: true });
  } catch (error) {
    if (!(error instanceof StunError)) throw error;
  }
  void m.toString();
  // Reading must never modify the message (a Buffer's slice() is a view: a past bug).
  if (!before.equals(bytes)) throw new Error("decoding modified the input");
  return true;
}

const seeds: Uint8Array[] = [
  vector("rfc5769-2.1-sample-request.hex"),
  vector("rfc5769-2.2-sample-ipv4-response.hex"),
  vector("rfc5769-2.3-sample-ipv6-response.hex"),
  vector("rfc5769-2.4-sample-request-long-term.hex"),
  vector("chromium-156-binding-request.hex"),
  new StunMessageBuilder(0x003, StunClass.ErrorResponse)
    .errorCode(401, "Unauthenticated")
    .realm("example.org")
    .nonce("n")
    .passwordAlgorithms([{ algorithm: 1, parameters: new Uint8Array(0) }])
    .xorRelayedAddress({ family: "IPv6", address: "::1", port: 1 })
    .addressErrorCode("IPv4", 440)
    .icmp({ type: 3, code: 4, data: 1 })
    .encode({ integrity: key, integritySha256: key, fingerprint: true }),
];

/** A STUN header with a correct length around an arbitrary body (multiple of 4). */
const headerAndSoup = fc
  .tuple(
    fc.integer({ min: 0, max: 0x3fff }),
    fc.uint8Array({ minLength: 12, maxLength: 12 }),
    fc.array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...Object.values(A)), fc.integer({ min: 0, max: 0xffff })),
        fc.uint8Array({ maxLength: 40 }),
        fc.integer({ min: -4, max: 4 }),
      ),
      { maxLength: 8 },
    ),
  )
  .map(([type, tid, attrs]) => {
    const parts: number[] = [];
    for (const [t, value, skew] of attrs) {
      const declared = Math.max(0, value.length + skew);
      parts.push(t >> 8, t & 0xff, declared >> 8, declared & 0xff, ...value);
      while (parts.length % 4) parts.push(0);
    }
    const out = new Uint8Array(20 + parts.length);
    out[0] = type >> 8;
    out[1] = type & 0xff;
    out[2] = parts.length >> 8;
    out[3] = parts.length & 0xff;
    out.set([0x21, 0x12, 0xa4, 0x42], 4);
    out.set(tid, 8);
    out.set(parts, 20);
    return out;
  });

/** A valid seed with a few byte edits, a truncation or an extension. */
const mutated = fc
  .tuple(
    fc.constantFrom(...seeds),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
    fc.oneof(fc.constant(0), fc.integer({ min: -24, max: 24 })),
  )
  .map(([seed, edits, resize]) => {
    const out = new Uint8Array(Math.max(0, seed.length + resize));
    out.set(seed.subarray(0, Math.min(seed.length, out.length)));
    for (const [at, value] of edits) if (out.length) out[at % out.length] = value;
    // As a Buffer, the type dgram delivers.
    return Buffer.from(out);
  });

describe("decoder robustness (fast-check)", () => {
  it("random bytes: returns or throws StunError only", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 160 }), (bytes) => {
        probe(bytes);
      }),
      { numRuns: 30_000 },
    );
  });

  it("valid header around random attribute soup: returns or throws StunError only", () => {
    let decoded = 0;
    fc.assert(
      fc.property(headerAndSoup, (bytes) => {
        if (probe(bytes)) decoded++;
      }),
      { numRuns: 30_000 },
    );
    // The generator must reach the attribute decoders, not only the framing checks.
    expect(decoded).toBeGreaterThan(3000);
  });

  it("mutated valid messages: returns or throws StunError only", () => {
    fc.assert(
      fc.property(mutated, (bytes) => {
        probe(bytes);
      }),
      { numRuns: 30_000 },
    );
  });
});

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join("."));
const address = fc.oneof(
  fc.record({ family: fc.constant("IPv4" as const), address: ipv4, port: fc.nat(65535) }),
  fc.record({
    family: fc.constant("IPv6" as const),
    address: fc.ipV6().map((a) => {
      // Normalise through the codec's own formatter: compare canonical forms.
      const m = decodeMessage(
        new StunMessageBuilder(1, 0).mappedAddress({ family: "IPv6", address: a, port: 0 }).encode(),
      );
      return m.mappedAddress!.address;
    }),
    port: fc.nat(65535),
  }),
);

describe("fingerprint (fast-check)", () => {
  it("any single bit flip before FINGERPRINT is rejected or fails the check", () => {
    const fingerprinted = seeds.filter((s) => decodeMessage(s).hasFingerprint);
    fc.assert(
      fc.property(fc.constantFrom(...fingerprinted), fc.nat(), fc.nat(7), (seed, at, bit) => {
        const bytes = new Uint8Array(seed);
        bytes[at % (seed.length - 4)]! ^= 1 << bit;
        let ok: boolean;
        try {
          ok = decodeMessage(bytes).checkFingerprint();
        } catch (error) {
          expect(error).toBeInstanceOf(StunError);
          ok = false;
        }
        expect(ok).toBe(false);
      }),
      { numRuns: 5_000 },
    );
  });
});

describe("round-trip (fast-check)", () => {
  it("generated raw attributes come back in order, with integrity and fingerprint", () => {
    const plain = fc
      .integer({ min: 0, max: 0xffff })
      .filter((t) => t !== A.MESSAGE_INTEGRITY && t !== A.MESSAGE_INTEGRITY_SHA256 && t !== A.FINGERPRINT);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xfff }),
        fc.constantFrom(0, 1, 2, 3) as fc.Arbitrary<StunClass>,
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.array(fc.tuple(plain, fc.uint8Array({ maxLength: 64 })), { maxLength: 10 }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (method, cls, tid, attrs, mi, mi256, fp) => {
          const b = new StunMessageBuilder(method, cls, tid);
          for (const [t, v] of attrs) b.attribute(t, v);
          const bytes = b.encode({
            integrity: mi ? key : undefined,
            integritySha256: mi256 ? key : undefined,
            fingerprint: fp,
          });
          const m = decodeMessage(bytes);
          expect(m.method).toBe(method);
          expect(m.messageClass).toBe(cls);
          expect([...m.transactionId]).toEqual([...tid]);
          const got = m.attributes.filter(
            (a) =>
              a.type !== A.MESSAGE_INTEGRITY &&
              a.type !== A.MESSAGE_INTEGRITY_SHA256 &&
              a.type !== A.FINGERPRINT,
          );
          expect(got.map((a) => [a.type, [...a.value]])).toEqual(attrs.map(([t, v]) => [t, [...v]]));
          expect(m.checkIntegrity(key)).toBe(mi);
          expect(m.checkIntegritySha256(key)).toBe(mi256);
          expect(m.checkFingerprint()).toBe(fp);
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it("typed values come back equal", () => {
    fc.assert(
      fc.property(
        address,
        address,
        fc.nat(0xffffffff),
        fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
        fc.string({ maxLength: 100 }),
        fc.integer({ min: 300, max: 699 }),
        (mapped, peer, priority, tieBreaker, text, code) => {
          const bytes = new StunMessageBuilder(1, StunClass.SuccessResponse)
            .xorMappedAddress(mapped)
            .mappedAddress(peer)
            .xorPeerAddress(peer)
            .priority(priority)
            .iceControlling(tieBreaker)
            .software(text)
            .errorCode(code, text)
            .encode({ fingerprint: true });
          const m = decodeMessage(bytes);
          expect(m.xorMappedAddress).toEqual(mapped);
          expect(m.mappedAddress).toEqual(peer);
          expect(m.xorPeerAddress).toEqual(peer);
          expect(m.priority).toBe(priority);
          expect(m.iceControlling).toBe(tieBreaker);
          expect(m.software).toBe(Buffer.from(text, "utf8").toString("utf8"));
          expect(m.errorCode).toEqual({ code, reason: Buffer.from(text, "utf8").toString("utf8") });
          expect(m.checkFingerprint()).toBe(true);
        },
      ),
      { numRuns: 5_000 },
    );
  });
});
