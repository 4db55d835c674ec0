import { describe, expect, it } from "vitest";
import {
  AttributeType,
  attributeName,
  decodeMessage,
  StunClass,
  StunKey,
  StunMessageBuilder,
  StunMethod,
} from "./index.js";
import { vector } from "./test-vectors.test-helper.js";

const PASSWORD = "VOkJxbRl1RmTxUk/WvJxBt";
const TID = new Uint8Array(Buffer.from("b7e7a701bc34d686fa87dfae", "hex"));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("RFC 5769 test vectors", () => {
  it("2.1 sample request: decodes, validates, re-encodes byte-exact", () => {
    const bytes = vector("rfc5769-2.1-sample-request.hex");
    const m = decodeMessage(bytes);
    expect(m.method).toBe(StunMethod.Binding);
    expect(m.messageClass).toBe(StunClass.Request);
    expect(hex(m.transactionId)).toBe(hex(TID));
    expect(m.software).toBe("STUN test client");
    expect(m.priority).toBe(0x6e0001ff);
    expect(m.iceControlled).toBe(0x932ff9b151263b36n);
    expect(m.username).toBe("evtj:h6vY");
    expect(m.unknownComprehensionRequired).toEqual([]);
    expect(m.attributes.map((a) => attributeName(a.type))).toEqual([
      "SOFTWARE",
      "PRIORITY",
      "ICE-CONTROLLED",
      "USERNAME",
      "MESSAGE-INTEGRITY",
      "FINGERPRINT",
    ]);
    const key = StunKey.shortTerm(PASSWORD);
    expect(m.checkFingerprint()).toBe(true);
    expect(m.checkIntegrity(key)).toBe(true);
    expect(m.checkIntegrity(StunKey.shortTerm("wrong"))).toBe(false);
    expect(() => m.verify({ key, requireFingerprint: true })).not.toThrow();

    const b = new StunMessageBuilder(StunMethod.Binding, StunClass.Request, m.transactionId);
    b.paddingByte = 0x20; // the RFC pads with spaces to test that receivers ignore padding
    const again = b
      .software("STUN test client")
      .priority(0x6e0001ff)
      .iceControlled(0x932ff9b151263b36n)
      .username("evtj:h6vY")
      .encode({ integrity: key, fingerprint: true });
    expect(hex(again)).toBe(hex(bytes));
  });

  it("2.2 IPv4 response: XOR-MAPPED-ADDRESS 192.0.2.1:32853, byte-exact", () => {
    const bytes = vector("rfc5769-2.2-sample-ipv4-response.hex");
    const m = decodeMessage(bytes);
    expect(m.messageClass).toBe(StunClass.SuccessResponse);
    expect(m.software).toBe("test vector");
    expect(m.xorMappedAddress).toEqual({ family: "IPv4", address: "192.0.2.1", port: 32853 });
    const key = StunKey.shortTerm(PASSWORD);
    expect(m.checkIntegrity(key)).toBe(true);
    expect(m.checkFingerprint()).toBe(true);
    const b = new StunMessageBuilder(StunMethod.Binding, StunClass.SuccessResponse, TID);
    b.paddingByte = 0x20;
    const again = b
      .software("test vector")
      .xorMappedAddress({ family: "IPv4", address: "192.0.2.1", port: 32853 })
      .encode({ integrity: key, fingerprint: true });
    expect(hex(again)).toBe(hex(bytes));
  });

  it("2.3 IPv6 response: XOR-MAPPED-ADDRESS [2001:db8:1234:5678:11:2233:4455:6677]:32853, byte-exact", () => {
    const bytes = vector("rfc5769-2.3-sample-ipv6-response.hex");
    const m = decodeMessage(bytes);
    const mapped = { family: "IPv6", address: "2001:db8:1234:5678:11:2233:4455:6677", port: 32853 } as const;
    expect(m.xorMappedAddress).toEqual(mapped);
    const key = StunKey.shortTerm(PASSWORD);
    expect(m.checkIntegrity(key)).toBe(true);
    expect(m.checkFingerprint()).toBe(true);
    const b = new StunMessageBuilder(StunMethod.Binding, StunClass.SuccessResponse, TID);
    b.paddingByte = 0x20;
    const again = b
      .software("test vector")
      .xorMappedAddress(mapped)
      .encode({ integrity: key, fingerprint: true });
    expect(hex(again)).toBe(hex(bytes));
  });

  it("2.4 long-term request: SASLprep'd key validates, byte-exact", () => {
    const bytes = vector("rfc5769-2.4-sample-request-long-term.hex");
    const m = decodeMessage(bytes);
    expect(m.username).toBe("マトリックス");
    expect(m.nonce).toBe("f//499k954d6OL34oL9FSTvy64sA");
    expect(m.realm).toBe("example.org");
    expect(m.hasFingerprint).toBe(false);
    expect(m.checkFingerprint()).toBe(false);
    // The password as the RFC gives it, before SASLprep: "The<U+00AD>M<U+00AA>tr<U+2168>x".
    const key = StunKey.longTerm("マトリックス", "example.org", "The\u00adM\u00aatr\u2168");
    expect(hex(key.bytes)).toBe(hex(StunKey.longTerm("マトリックス", "example.org", "TheMatrIX").bytes));
    expect(m.checkIntegrity(key)).toBe(true);
    expect(m.checkIntegrity(StunKey.longTerm("マトリックス", "example.org", "thematrix"))).toBe(false);
    expect(() => m.verify({ key })).not.toThrow();
    expect(() => m.verify({ key, requireFingerprint: true })).toThrow(/FINGERPRINT/);
    const again = new StunMessageBuilder(StunMethod.Binding, StunClass.Request, m.transactionId)
      .username("マトリックス")
      .nonce("f//499k954d6OL34oL9FSTvy64sA")
      .realm("example.org")
      .encode({ integrity: key });
    expect(hex(again)).toBe(hex(bytes));
  });

  it("Chromium 156 ICE check: GOOG-NETWORK-INFO tolerated, FINGERPRINT valid", () => {
    const bytes = vector("chromium-156-binding-request.hex");
    const m = decodeMessage(bytes);
    expect(m.method).toBe(StunMethod.Binding);
    expect(m.messageClass).toBe(StunClass.Request);
    expect(m.unknownComprehensionRequired).toEqual([]);
    expect(m.has(0xc057)).toBe(true);
    expect(attributeName(0xc057)).toBe("GOOG-NETWORK-INFO");
    expect(m.username).toMatch(/^[^:]+:[^:]+$/);
    expect(m.useCandidate).toBe(true);
    expect(typeof m.iceControlling).toBe("bigint");
    expect(m.priority).toBeGreaterThan(0);
    expect(m.hasIntegrity).toBe(true);
    expect(m.checkFingerprint()).toBe(true);
    expect(m.checkIntegrity(StunKey.shortTerm("not-the-password"))).toBe(false);
    expect(() => m.verify({ requireFingerprint: true })).not.toThrow();
    // One flipped bit anywhere before FINGERPRINT breaks it.
    const flipped = new Uint8Array(bytes);
    flipped[30]! ^= 1;
    expect(decodeMessage(flipped).checkFingerprint()).toBe(false);
    expect(AttributeType.ICE_CONTROLLING).toBe(0x802a);
  });
});
