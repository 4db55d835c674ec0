import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildHeaderExtension,
  findHeaderExtension,
  isRtcpPacket,
  isRtpPacket,
  parseHeaderExtensions,
  parseRtpPacket,
  RtpError,
  type RtpPacketInit,
  rewriteRtpHeader,
  serializeRtpPacket,
} from "./index.js";
import { expectRtpError, hex } from "./test-vectors.test-helper.js";

describe("RTP packet (RFC 3550 §5.1)", () => {
  it("parses a hand-made packet with CSRCs, a one-byte extension and padding, as views", () => {
    const bytes = hex(
      "b2 e0 1234 00abcdef 11223344" + // V=2 P X CC=2, M PT=96
        "00000001 00000002" + // CSRCs
        "bede 0001 10 aa 00 00" + // id 1, 1 byte; padding
        "dead beef" + // payload
        "00 00 03", // padding, count 3
    );
    const p = parseRtpPacket(bytes);
    expect(p).toMatchObject({
      marker: true,
      payloadType: 96,
      sequenceNumber: 0x1234,
      timestamp: 0xabcdef,
      ssrc: 0x11223344,
      csrcs: [1, 2],
      paddingLength: 3,
    });
    expect(Buffer.from(p.payload).toString("hex")).toBe("deadbeef");
    expect(p.payload.buffer).toBe(bytes.buffer);
    expect(p.extension!.profile).toBe(0xbede);
    expect(
      parseHeaderExtensions(p.extension!).map((e) => [e.id, Buffer.from(e.data).toString("hex")]),
    ).toEqual([[1, "aa"]]);
    expect(new Uint8Array(serializeRtpPacket(p))).toEqual(bytes);
  });

  it("reads a Chromium-style two-byte extension and finds an element without listing", () => {
    const ext = buildHeaderExtension([
      { id: 3, data: new Uint8Array(0) },
      { id: 20, data: hex("0102") },
    ]);
    expect(ext.profile).toBe(0x1000);
    expect(Buffer.from(ext.data).toString("hex")).toBe("0300140201020000");
    expect(findHeaderExtension(ext, 20)).toEqual(hex("0102"));
    expect(findHeaderExtension(ext, 4)).toBeUndefined();
    const one = buildHeaderExtension([{ id: 9, data: new TextEncoder().encode("0") }]);
    expect(one.profile).toBe(0xbede);
    expect(new TextDecoder().decode(findHeaderExtension(one, 9))).toBe("0");
  });

  it("stops at id 15 in the one-byte form and refuses overruns", () => {
    expect(parseHeaderExtensions({ profile: 0xbede, data: hex("10aa f0 ffffff 00") })).toHaveLength(1);
    expectRtpError(
      () => parseHeaderExtensions({ profile: 0xbede, data: hex("13aabbcc") }),
      "ERR_BAD_EXTENSION",
    );
    expectRtpError(
      () => parseHeaderExtensions({ profile: 0x1000, data: hex("0105aabbcc") }),
      "ERR_BAD_EXTENSION",
    );
    expectRtpError(() => parseHeaderExtensions({ profile: 0x1234, data: hex("") }), "ERR_BAD_EXTENSION");
  });

  it("refuses short, wrong-version and bad-padding packets with typed errors", () => {
    expectRtpError(() => parseRtpPacket(hex("8060")), "ERR_TOO_SHORT");
    expectRtpError(() => parseRtpPacket(hex("4060 0001 00000000 00000000")), "ERR_BAD_VERSION");
    expectRtpError(() => parseRtpPacket(hex("8f60 0001 00000000 00000000")), "ERR_TOO_SHORT");
    expectRtpError(() => parseRtpPacket(hex("a060 0001 00000000 00000000 00")), "ERR_BAD_PADDING");
    expectRtpError(() => parseRtpPacket(hex("a060 0001 00000000 00000000 05")), "ERR_BAD_PADDING");
    expectRtpError(
      () => parseRtpPacket(hex("9060 0001 00000000 00000000 bede 0002 00000000")),
      "ERR_TOO_SHORT",
    );
  });

  it("rewrites header fields in place and tells RTP from RTCP (RFC 5761)", () => {
    const bytes = serializeRtpPacket({
      payloadType: 96,
      sequenceNumber: 1,
      timestamp: 2,
      ssrc: 3,
      payload: hex("aa"),
    });
    rewriteRtpHeader(bytes, { ssrc: 0xfeedbeef, payloadType: 102, sequenceNumber: 65535, marker: true });
    expect(parseRtpPacket(bytes)).toMatchObject({
      ssrc: 0xfeedbeef,
      payloadType: 102,
      sequenceNumber: 65535,
      marker: true,
    });
    expect(isRtpPacket(bytes)).toBe(true);
    expect(isRtcpPacket(hex("80c8 0006"))).toBe(true);
    expect(isRtpPacket(hex("80c8 0006 00000000 00000000"))).toBe(false);
    expectRtpError(() => rewriteRtpHeader(bytes, { payloadType: 128 }), "ERR_INVALID_ARGUMENT");
  });
});

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const element1 = fc.record({
  id: fc.integer({ min: 1, max: 14 }),
  data: fc.uint8Array({ minLength: 1, maxLength: 16 }),
});
const element2 = fc.record({ id: fc.integer({ min: 1, max: 255 }), data: fc.uint8Array({ maxLength: 40 }) });
const packetArb: fc.Arbitrary<RtpPacketInit> = fc.record({
  marker: fc.boolean(),
  payloadType: fc.integer({ min: 0, max: 127 }),
  sequenceNumber: fc.integer({ min: 0, max: 0xffff }),
  timestamp: u32,
  ssrc: u32,
  csrcs: fc.array(u32, { maxLength: 15 }),
  extension: fc.option(
    fc.oneof(
      fc.array(element1, { maxLength: 5 }).map((e) => buildHeaderExtension(e, "one-byte")),
      fc.array(element2, { maxLength: 5 }).map((e) => buildHeaderExtension(e, "two-byte")),
    ),
    { nil: undefined },
  ),
  payload: fc.uint8Array({ maxLength: 200 }),
  paddingLength: fc.integer({ min: 0, max: 255 }),
});

/** Parses; returns undefined for a typed refusal and rethrows anything else. */
function tryParse(bytes: Uint8Array) {
  try {
    const p = parseRtpPacket(bytes);
    if (p.extension) {
      try {
        parseHeaderExtensions(p.extension);
      } catch (error) {
        if (!(error instanceof RtpError)) throw error;
      }
    }
    return p;
  } catch (error) {
    if (!(error instanceof RtpError)) throw error;
    return undefined;
  }
}

describe("RTP properties", () => {
  it("serialize then parse gives the packet back, extensions included", () => {
    fc.assert(
      fc.property(packetArb, (init) => {
        const bytes = serializeRtpPacket(init);
        const p = parseRtpPacket(bytes);
        expect(new Uint8Array(p.payload)).toEqual(init.payload);
        expect(p.csrcs).toEqual(init.csrcs);
        expect({ ...p, payload: 0, csrcs: 0, extension: 0 }).toEqual({
          ...init,
          payload: 0,
          csrcs: 0,
          extension: 0,
        });
        if (init.extension) {
          expect(p.extension!.profile).toBe(init.extension.profile);
          expect(new Uint8Array(p.extension!.data)).toEqual(init.extension.data);
          expect(parseHeaderExtensions(p.extension!).length).toBeGreaterThanOrEqual(0);
        }
        expect(serializeRtpPacket(p)).toEqual(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it("random bytes give a packet or an RtpError, never anything else", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => void tryParse(bytes)),
      { numRuns: 5000 },
    );
  });

  it("mutated packets give a packet or an RtpError, and a packet's views stay inside the input", () => {
    const mutated = fc
      .tuple(
        packetArb,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
      )
      .map(([init, flips, cut]) => {
        const bytes = serializeRtpPacket(init);
        for (const [at, value] of flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
        return cut % 4 === 0 ? bytes.subarray(0, cut % (bytes.length + 1)) : bytes;
      });
    fc.assert(
      fc.property(mutated, (bytes) => {
        const p = tryParse(bytes);
        if (p)
          expect(p.payload.byteOffset + p.payload.length).toBeLessThanOrEqual(
            bytes.byteOffset + bytes.length,
          );
      }),
      { numRuns: 5000 },
    );
  });
});
