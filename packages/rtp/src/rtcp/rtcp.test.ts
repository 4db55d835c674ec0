import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseRtcp, type RtcpPacket, RtpError, serializeRtcp } from "../index.js";
import { expectRtpError, hex, vector } from "../test-vectors.test-helper.js";

const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("RTCP packets", () => {
  it("writes and reads an SR + SDES(CNAME) compound packet byte for byte (RFC 3550 §6.4.1, §6.5; test-vectors/rtp)", () => {
    const packets: RtcpPacket[] = [
      {
        type: "sr",
        ssrc: 0x11223344,
        ntpTime: 0xe8c1a2b3_80000000n,
        rtpTimestamp: 90000,
        packetCount: 10,
        octetCount: 12000,
        reports: [
          {
            ssrc: 0xaabbccdd,
            fractionLost: 25,
            cumulativeLost: -2,
            highestSequence: 0x1_0005,
            jitter: 33,
            lastSenderReport: 0xa2b38000,
            delaySinceLastSenderReport: 0x8000,
          },
        ],
      },
      { type: "sdes", chunks: [{ ssrc: 0x11223344, items: [{ type: 1, value: "abc" }] }] },
    ];
    const bytes = serializeRtcp(packets);
    expect(toHex(bytes)).toBe(toHex(vector("rtcp-sr-sdes.hex")));
    expect(parseRtcp(bytes)).toEqual(packets);
  });

  it("writes and reads RR, BYE with reason, generic NACK, PLI and FIR byte for byte (RFC 4585 §6.2.1, §6.3.1; RFC 5104 §4.3.1; test-vectors/rtp)", () => {
    const packets: RtcpPacket[] = [
      { type: "rr", ssrc: 1, reports: [] },
      { type: "nack", senderSsrc: 1, mediaSsrc: 2, lost: [100, 101, 116, 117, 65535, 0] },
      { type: "pli", senderSsrc: 1, mediaSsrc: 2 },
      { type: "fir", senderSsrc: 1, mediaSsrc: 0, entries: [{ ssrc: 2, sequenceNumber: 7 }] },
      { type: "bye", ssrcs: [2, 3], reason: "done" },
    ];
    const bytes = serializeRtcp(packets);
    // NACK FCI: PID 100 with BLP bits 0 (101) and 15 (116); PID 117; PID 65535 with bit 0 (0, wrapped).
    expect(toHex(bytes.subarray(8, 8 + 24))).toBe(
      toHex(hex("81cd0005 00000001 00000002 00648001 00750000 ffff0001")),
    );
    expect(toHex(bytes)).toBe(toHex(vector("rtcp-rr-nack-pli-fir-bye.hex")));
    expect(parseRtcp(vector("rtcp-rr-nack-pli-fir-bye.hex"))).toEqual(packets);
  });

  it("accepts reduced-size RTCP (RFC 5506): a lone PLI, a lone NACK", () => {
    expect(parseRtcp(hex("81ce0002 00000001 00000002"))).toEqual([
      { type: "pli", senderSsrc: 1, mediaSsrc: 2 },
    ]);
    expect(parseRtcp(hex("81cd0003 00000001 00000002 00640000"))).toEqual([
      { type: "nack", senderSsrc: 1, mediaSsrc: 2, lost: [100] },
    ]);
  });

  it("keeps unknown packets (REMB, transport-cc, XR) whole and strips padding of the last packet", () => {
    const remb = hex("8fce0005 00000001 00000000 52454d42 01 0a1b2c 00000002");
    const [p] = parseRtcp(remb);
    expect(p).toMatchObject({ type: "unknown", packetType: 206, count: 15 });
    expect(serializeRtcp([p!])).toEqual(remb);
    expect(parseRtcp(hex("a1ce0003 00000001 00000002 00000004"))).toEqual([
      { type: "pli", senderSsrc: 1, mediaSsrc: 2 },
    ]);
  });

  it("refuses malformed compounds with typed errors", () => {
    expectRtpError(() => parseRtcp(hex("80c9")), "ERR_TOO_SHORT");
    expectRtpError(() => parseRtcp(hex("40c90001 00000001")), "ERR_BAD_VERSION");
    expectRtpError(() => parseRtcp(hex("80c90002 00000001")), "ERR_TOO_SHORT");
    expectRtpError(() => parseRtcp(hex("a0c90001 00000001 80c90001 00000001")), "ERR_BAD_PADDING");
    expectRtpError(() => parseRtcp(hex("a0c90001 00000009")), "ERR_BAD_PADDING");
    expectRtpError(() => parseRtcp(hex("81c90001 00000001")), "ERR_BAD_RTCP"); // RC 1 without its block
    expectRtpError(() => parseRtcp(hex("81ca0002 00000001 01056162")), "ERR_BAD_RTCP"); // SDES item overrun
    expectRtpError(() => parseRtcp(hex("81cd0003 00000001 00000002 0064")), "ERR_TOO_SHORT");
    expectRtpError(() => parseRtcp(hex("84ce0003 00000001 00000000 00000002")), "ERR_BAD_RTCP"); // FIR FCI of 4
  });
});

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const block = fc.record({
  ssrc: u32,
  fractionLost: fc.integer({ min: 0, max: 255 }),
  cumulativeLost: fc.integer({ min: -0x800000, max: 0x7fffff }),
  highestSequence: u32,
  jitter: u32,
  lastSenderReport: u32,
  delaySinceLastSenderReport: u32,
});
const text = fc.string({ maxLength: 60 });
const sortedLost = fc
  .uniqueArray(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 40 })
  .map((a) => a.sort((x, y) => x - y));
const packetArb: fc.Arbitrary<RtcpPacket> = fc.oneof(
  fc.record({
    type: fc.constant("sr" as const),
    ssrc: u32,
    ntpTime: fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
    rtpTimestamp: u32,
    packetCount: u32,
    octetCount: u32,
    reports: fc.array(block, { maxLength: 4 }),
  }),
  fc.record({ type: fc.constant("rr" as const), ssrc: u32, reports: fc.array(block, { maxLength: 4 }) }),
  fc.record({
    type: fc.constant("sdes" as const),
    chunks: fc.array(
      fc.record({
        ssrc: u32,
        items: fc.array(fc.record({ type: fc.integer({ min: 1, max: 8 }), value: text }), { maxLength: 3 }),
      }),
      { maxLength: 3 },
    ),
  }),
  fc.oneof(
    fc.record({ type: fc.constant("bye" as const), ssrcs: fc.array(u32, { maxLength: 4 }) }),
    fc.record({ type: fc.constant("bye" as const), ssrcs: fc.array(u32, { maxLength: 4 }), reason: text }),
  ),
  fc.record({ type: fc.constant("nack" as const), senderSsrc: u32, mediaSsrc: u32, lost: sortedLost }),
  fc.record({ type: fc.constant("pli" as const), senderSsrc: u32, mediaSsrc: u32 }),
  fc.record({
    type: fc.constant("fir" as const),
    senderSsrc: u32,
    mediaSsrc: u32,
    entries: fc.array(fc.record({ ssrc: u32, sequenceNumber: fc.integer({ min: 0, max: 255 }) }), {
      maxLength: 4,
    }),
  }),
);

function tryParse(bytes: Uint8Array): RtcpPacket[] | undefined {
  try {
    return parseRtcp(bytes);
  } catch (error) {
    if (!(error instanceof RtpError)) throw error;
    return undefined;
  }
}

describe("RTCP properties", () => {
  it("serialize then parse gives every packet type back", () => {
    fc.assert(
      fc.property(fc.array(packetArb, { minLength: 1, maxLength: 5 }), (packets) => {
        const bytes = serializeRtcp(packets);
        const back = parseRtcp(bytes);
        // NACK lists come back in wire order: sorted unique input is a fixed point except across the wrap.
        expect(serializeRtcp(back)).toEqual(bytes);
        expect(back.map((p) => p.type)).toEqual(packets.map((p) => p.type));
      }),
      { numRuns: 500 },
    );
  });

  it("random bytes give packets or an RtpError", () => {
    const rtcpish = fc.uint8Array({ minLength: 4, maxLength: 200 }).map((b) => {
      b[0] = 0x80 | (b[0]! & 0x3f);
      b[1] = 200 + (b[1]! % 8);
      return b;
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), rtcpish), (b) => void tryParse(b)),
      {
        numRuns: 5000,
      },
    );
  });

  it("mutated compounds give packets or an RtpError, and what parses serializes again", () => {
    const mutated = fc
      .tuple(
        fc.array(packetArb, { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 5 }),
        fc.nat(),
      )
      .map(([packets, flips, cut]) => {
        const bytes = serializeRtcp(packets);
        for (const [at, v] of flips) bytes[at % bytes.length] = v;
        return cut % 3 === 0 ? bytes.subarray(0, cut % (bytes.length + 1)) : bytes;
      });
    fc.assert(
      fc.property(mutated, (bytes) => {
        const packets = tryParse(bytes);
        if (packets) {
          try {
            serializeRtcp(packets);
          } catch (error) {
            // A mutated count or length may parse into a value the writer cannot carry (an SDES item over 255 bytes
            // after UTF-8 replacement): a typed refusal, never a crash.
            if (!(error instanceof RtpError)) throw error;
          }
        }
      }),
      { numRuns: 5000 },
    );
  });
});
