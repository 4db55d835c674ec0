import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PeerConnectionError } from "../errors.js";
import {
  ChannelType,
  channelTypeOf,
  type DcepOpen,
  encodeDcepAck,
  encodeDcepOpen,
  parseDcep,
  priorityType,
  priorityValue,
} from "./dcep.js";

/** Property runs: PURERTC_PROPERTY_RUNS scales them (e.g. 1,000,000 for the long run; see README). */
const RUNS = Number(process.env.PURERTC_PROPERTY_RUNS ?? 20_000);

const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => Number.parseInt(h, 16));

describe("DCEP (RFC 8832)", () => {
  it("encodes DATA_CHANNEL_OPEN byte for byte as RFC 8832 §5.1 lays it out", () => {
    // reliable unordered, priority 256 (low), label "chat", protocol "x".
    const bytes = encodeDcepOpen({
      ordered: false,
      maxRetransmits: null,
      maxPacketLifeTime: null,
      priority: 256,
      label: "chat",
      protocol: "x",
    });
    expect(Buffer.from(bytes).toString("hex")).toBe("0380010000000000000400016368617478");
    // partial reliable by retransmissions, ordered: type 0x01, parameter 3.
    const rexmit = encodeDcepOpen({
      ordered: true,
      maxRetransmits: 3,
      maxPacketLifeTime: null,
      priority: 512,
      label: "",
      protocol: "",
    });
    expect(Buffer.from(rexmit).toString("hex")).toBe("030102000000000300000000");
    expect(encodeDcepAck()).toEqual(Uint8Array.of(2));
  });

  it("parses a DATA_CHANNEL_OPEN built per RFC 8832 §5.1 (label 'dc', reliable ordered, priority 256)", () => {
    const open = parseDcep(hex("030001000000000000020000" + "6463"));
    expect(open).toEqual({
      type: "open",
      ordered: true,
      maxRetransmits: null,
      maxPacketLifeTime: null,
      priority: 256,
      label: "dc",
      protocol: "",
    });
    expect(parseDcep(hex("02"))).toEqual({ type: "ack" });
  });

  it("maps channel types both ways", () => {
    const none = { maxRetransmits: null, maxPacketLifeTime: null };
    expect(channelTypeOf({ ordered: true, ...none })).toBe(ChannelType.RELIABLE);
    expect(channelTypeOf({ ordered: false, ...none })).toBe(ChannelType.RELIABLE_UNORDERED);
    expect(channelTypeOf({ ordered: false, maxRetransmits: 0, maxPacketLifeTime: null })).toBe(
      ChannelType.PARTIAL_RELIABLE_REXMIT_UNORDERED,
    );
    expect(channelTypeOf({ ordered: true, maxRetransmits: null, maxPacketLifeTime: 100 })).toBe(
      ChannelType.PARTIAL_RELIABLE_TIMED,
    );
  });

  it("maps W3C priorities to RFC 8831 §6.4 values and back", () => {
    for (const p of ["very-low", "low", "medium", "high"] as const)
      expect(priorityType(priorityValue(p))).toBe(p);
    // Received values between the levels round up (W3C webrtc-priority's RTCDataChannel steps).
    const edges: [number, string][] = [
      [0, "very-low"],
      [128, "very-low"],
      [129, "low"],
      [256, "low"],
      [257, "medium"],
      [300, "medium"],
      [512, "medium"],
      [513, "high"],
      [65535, "high"],
    ];
    for (const [value, type] of edges) expect(priorityType(value)).toBe(type);
  });

  it("refuses malformed messages with ERR_DCEP", () => {
    const bad = [
      "", // empty
      "01", // unknown type
      "03", // OPEN shorter than its header
      "0300010000000000000500006463", // label length 5, 2 bytes follow
      "030301000000000000000000", // channel type 3
      "030001000000000000010000ff", // label not UTF-8
    ];
    for (const b of bad) {
      expect(() => parseDcep(hex(b))).toThrow(PeerConnectionError);
    }
  });

  const openArb: fc.Arbitrary<Omit<DcepOpen, "type">> = fc
    .record({
      ordered: fc.boolean(),
      kind: fc.constantFrom("reliable", "rexmit", "timed"),
      parameter: fc.integer({ min: 0, max: 0xffffffff }),
      priority: fc.integer({ min: 0, max: 0xffff }),
      label: fc.string({ maxLength: 40, unit: "grapheme" }),
      protocol: fc.string({ maxLength: 20, unit: "grapheme" }),
    })
    .map((r) => ({
      ordered: r.ordered,
      maxRetransmits: r.kind === "rexmit" ? r.parameter : null,
      maxPacketLifeTime: r.kind === "timed" ? r.parameter : null,
      priority: r.priority,
      label: r.label,
      protocol: r.protocol,
    }));

  it("round-trips every DATA_CHANNEL_OPEN (property)", () => {
    fc.assert(
      fc.property(openArb, (open) => {
        expect(parseDcep(encodeDcepOpen(open))).toEqual({ type: "open", ...open });
      }),
      { numRuns: RUNS / 4 },
    );
  });

  const onlyDcepError = (bytes: Uint8Array) => {
    try {
      const m = parseDcep(bytes);
      if (m.type === "open") {
        // What parses encodes again to the same message (a reliable channel's parameter is ignored).
        expect(parseDcep(encodeDcepOpen(m))).toEqual(m);
      }
    } catch (error) {
      if (!(error instanceof PeerConnectionError) || error.code !== "ERR_DCEP") throw error;
    }
  };

  it("random bytes parse or throw ERR_DCEP, never anything else (property)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }),
          fc.uint8Array({ minLength: 12, maxLength: 64 }).map((b) => {
            b[0] = 3;
            return b;
          }),
        ),
        onlyDcepError,
      ),
      { numRuns: RUNS / 2 },
    );
  });

  it("mutated valid OPEN messages parse or throw ERR_DCEP (property)", () => {
    fc.assert(
      fc.property(
        openArb,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat({ max: 8 }),
        (open, flips, cut) => {
          const bytes = encodeDcepOpen(open);
          for (const [at, value] of flips) bytes[at % bytes.length] = value;
          onlyDcepError(cut ? bytes.subarray(0, Math.max(0, bytes.length - cut)) : bytes);
        },
      ),
      { numRuns: RUNS / 4 },
    );
  });
});
