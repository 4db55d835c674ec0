import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { crc32 } from "./crypto/crc32.js";
import { hmacSha1Stun, Sha1HmacKey } from "./crypto/sha1.js";
import {
  AttributeType as A,
  classifyPacket,
  classOf,
  decodeMessage,
  ErrorCode,
  isStunPacket,
  messageType,
  methodOf,
  PasswordAlgorithm,
  StunClass,
  StunError,
  StunKey,
  StunMessageBuilder,
  StunMethod,
  userhash,
} from "./index.js";

function expectStunError(fn: () => unknown, code: string) {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StunError);
    expect((error as StunError).code).toBe(code);
    return;
  }
  throw new Error(`expected StunError ${code}`);
}

describe("message type", () => {
  it("interleaves class bits as RFC 8489 §5 shows", () => {
    expect(messageType(StunMethod.Binding, StunClass.Request)).toBe(0x0001);
    expect(messageType(StunMethod.Binding, StunClass.SuccessResponse)).toBe(0x0101);
    expect(messageType(StunMethod.Binding, StunClass.ErrorResponse)).toBe(0x0111);
    expect(messageType(StunMethod.Send, StunClass.Indication)).toBe(0x0016);
    expect(messageType(StunMethod.Allocate, StunClass.ErrorResponse)).toBe(0x0113);
    for (let m = 0; m <= 0xfff; m += 7) {
      for (const c of [0, 1, 2, 3] as const) {
        const t = messageType(m, c);
        expect(methodOf(t)).toBe(m);
        expect(classOf(t)).toBe(c);
      }
    }
  });
});

describe("crypto", () => {
  it("HMAC-SHA1 matches node:crypto for every length around block edges and long keys", () => {
    for (const keyLength of [0, 16, 64, 65, 100]) {
      const key = randomBytes(keyLength);
      const k = new Sha1HmacKey(key);
      for (let len = 20; len < 300; len += 1) {
        const data = new Uint8Array(randomBytes(len));
        const out = new Uint8Array(20);
        hmacSha1Stun(k, data, len, 0x1234, out, 0);
        const patched = Buffer.from(data);
        patched.writeUInt16BE(0x1234, 2);
        expect(Buffer.from(out).equals(createHmac("sha1", key).update(patched).digest())).toBe(true);
      }
    }
  });

  it("CRC-32 of '123456789' is CBF43926", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });
});

describe("attributes round-trip", () => {
  it("every typed attribute encodes and decodes", () => {
    const token = new Uint8Array(randomBytes(8));
    const uh = userhash("user", "realm");
    const bytes = new StunMessageBuilder(StunMethod.Allocate, StunClass.ErrorResponse)
      .mappedAddress({ family: "IPv4", address: "10.1.2.3", port: 1 })
      .xorMappedAddress({ family: "IPv6", address: "2001:db8::1", port: 65535 })
      .username("user")
      .userhash(uh)
      .errorCode(ErrorCode.Unauthorized, "Unauthenticated")
      .realm("example.org")
      .nonce("abcdef")
      .passwordAlgorithms([
        { algorithm: PasswordAlgorithm.MD5, parameters: new Uint8Array(0) },
        { algorithm: PasswordAlgorithm.SHA256, parameters: new Uint8Array([1, 2, 3]) },
      ])
      .passwordAlgorithm({ algorithm: PasswordAlgorithm.SHA256, parameters: new Uint8Array(0) })
      .unknownAttributes([0x0031, 0x0032, 0x0033])
      .software("purertc ✓")
      .alternateServer({ family: "IPv6", address: "::1", port: 3478 })
      .alternateDomain("turn.example.org")
      .priority(0xffffffff)
      .useCandidate()
      .iceControlled(1n)
      .iceControlling(0xffffffffffffffffn)
      .channelNumber(0x4001)
      .lifetime(600)
      .xorPeerAddress({ family: "IPv4", address: "127.0.0.1", port: 5000 })
      .xorPeerAddress({ family: "IPv6", address: "::ffff:192.0.2.9", port: 5001 })
      .data(new Uint8Array([9, 8, 7]))
      .xorRelayedAddress({ family: "IPv4", address: "198.18.0.1", port: 49152 })
      .xorRelayedAddress({ family: "IPv6", address: "fd00:198:18::1", port: 49153 })
      .requestedAddressFamily("IPv6")
      .evenPort({ reserveNext: true })
      .requestedTransport(17)
      .dontFragment()
      .reservationToken(token)
      .additionalAddressFamily("IPv6")
      .addressErrorCode("IPv6", 440, "Address Family not Supported")
      .icmp({ type: 3, code: 4, data: 1280 })
      .responseOrigin({ family: "IPv4", address: "127.0.0.1", port: 3478 })
      .otherAddress({ family: "IPv4", address: "127.0.0.2", port: 3479 })
      .encode({
        integrity: StunKey.shortTerm("pw"),
        integritySha256: StunKey.shortTerm("pw"),
        fingerprint: true,
      });
    const m = decodeMessage(bytes);
    expect(m.method).toBe(StunMethod.Allocate);
    expect(m.messageClass).toBe(StunClass.ErrorResponse);
    expect(m.mappedAddress).toEqual({ family: "IPv4", address: "10.1.2.3", port: 1 });
    expect(m.xorMappedAddress).toEqual({ family: "IPv6", address: "2001:db8::1", port: 65535 });
    expect(m.username).toBe("user");
    expect(Buffer.from(m.userhash!).equals(Buffer.from(uh))).toBe(true);
    expect(m.errorCode).toEqual({ code: 401, reason: "Unauthenticated" });
    expect(m.realm).toBe("example.org");
    expect(m.nonce).toBe("abcdef");
    expect(m.passwordAlgorithms).toEqual([
      { algorithm: 1, parameters: new Uint8Array(0) },
      { algorithm: 2, parameters: new Uint8Array([1, 2, 3]) },
    ]);
    expect(m.passwordAlgorithm).toEqual({ algorithm: 2, parameters: new Uint8Array(0) });
    expect(m.unknownAttributes).toEqual([0x31, 0x32, 0x33]);
    expect(m.software).toBe("purertc ✓");
    expect(m.alternateServer).toEqual({ family: "IPv6", address: "::1", port: 3478 });
    expect(m.alternateDomain).toBe("turn.example.org");
    expect(m.priority).toBe(0xffffffff);
    expect(m.useCandidate).toBe(true);
    expect(m.iceControlled).toBe(1n);
    expect(m.iceControlling).toBe(0xffffffffffffffffn);
    expect(m.channelNumber).toBe(0x4001);
    expect(m.lifetime).toBe(600);
    expect(m.xorPeerAddresses).toEqual([
      { family: "IPv4", address: "127.0.0.1", port: 5000 },
      { family: "IPv6", address: "::ffff:c000:209", port: 5001 },
    ]);
    expect(m.xorPeerAddress?.port).toBe(5000);
    expect([...m.data!]).toEqual([9, 8, 7]);
    expect(m.xorRelayedAddresses.map((a) => a.address)).toEqual(["198.18.0.1", "fd00:198:18::1"]);
    expect(m.xorRelayedAddress?.port).toBe(49152);
    expect(m.requestedAddressFamily).toBe("IPv6");
    expect(m.evenPort).toEqual({ reserveNext: true });
    expect(m.requestedTransport).toBe(17);
    expect(m.dontFragment).toBe(true);
    expect(Buffer.from(m.reservationToken!).equals(Buffer.from(token))).toBe(true);
    expect(m.additionalAddressFamily).toBe("IPv6");
    expect(m.addressErrorCode).toEqual({ family: "IPv6", code: 440, reason: "Address Family not Supported" });
    expect(m.icmp).toEqual({ type: 3, code: 4, data: 1280 });
    expect(m.responseOrigin).toEqual({ family: "IPv4", address: "127.0.0.1", port: 3478 });
    expect(m.otherAddress).toEqual({ family: "IPv4", address: "127.0.0.2", port: 3479 });
    expect(m.unknownComprehensionRequired).toEqual([]);
    expect(m.checkIntegrity(StunKey.shortTerm("pw"))).toBe(true);
    expect(m.checkIntegritySha256(StunKey.shortTerm("pw"))).toBe(true);
    expect(m.checkIntegritySha256(StunKey.shortTerm("px"))).toBe(false);
    expect(m.checkFingerprint()).toBe(true);
    expect(() => m.verify({ key: StunKey.shortTerm("pw"), requireFingerprint: true })).not.toThrow();
    expectStunError(() => m.verify({ key: StunKey.shortTerm("px") }), "ERR_INTEGRITY");
  });

  it("reading attributes never modifies the message, even from a Buffer (as dgram delivers)", () => {
    const key = StunKey.shortTerm("k");
    const bytes = new StunMessageBuilder(StunMethod.Binding, StunClass.SuccessResponse)
      .xorMappedAddress({ family: "IPv6", address: "2001:db8::7", port: 9 })
      .xorPeerAddress({ family: "IPv4", address: "10.0.0.1", port: 10 })
      .passwordAlgorithms([{ algorithm: 2, parameters: new Uint8Array([1, 2, 3, 4]) }])
      .encode({ integrity: key, fingerprint: true });
    const buffer = Buffer.from(bytes);
    const m = decodeMessage(buffer);
    for (let i = 0; i < 3; i++) {
      expect(m.xorMappedAddress).toEqual({ family: "IPv6", address: "2001:db8::7", port: 9 });
      expect(m.xorPeerAddress).toEqual({ family: "IPv4", address: "10.0.0.1", port: 10 });
      m.passwordAlgorithms![0]!.parameters[0] = 99;
    }
    expect(buffer.equals(Buffer.from(bytes))).toBe(true);
    expect(m.checkFingerprint()).toBe(true);
    expect(m.checkIntegrity(key)).toBe(true);
  });

  it("absent attributes read as undefined", () => {
    const m = decodeMessage(new StunMessageBuilder(StunMethod.Binding, StunClass.Request).encode());
    expect(m.attributeCount).toBe(0);
    expect(m.xorMappedAddress).toBeUndefined();
    expect(m.username).toBeUndefined();
    expect(m.useCandidate).toBe(false);
    expect(m.iceControlling).toBeUndefined();
    expect(m.fingerprint).toBeUndefined();
    expect(m.checkFingerprint()).toBe(false);
    expect(m.checkIntegrity(StunKey.shortTerm("x"))).toBe(false);
    expectStunError(() => m.verify({ key: StunKey.shortTerm("x") }), "ERR_INTEGRITY");
    expectStunError(() => m.verify({ requireFingerprint: true }), "ERR_FINGERPRINT");
    expect(m.toString()).toMatch(/^Binding Request [0-9a-f]{24} \[\]$/);
  });

  it("reports unknown comprehension-required attributes, tolerates unknown optional ones", () => {
    const m = decodeMessage(
      new StunMessageBuilder(StunMethod.Binding, StunClass.Request)
        .attribute(0x7777, new Uint8Array([1]))
        .attribute(0xc057, new Uint8Array(4))
        .attribute(0x7777, new Uint8Array(0))
        .attribute(0x0031, new Uint8Array(2))
        .encode({ fingerprint: true }),
    );
    expect(m.unknownComprehensionRequired).toEqual([0x7777, 0x0031]);
    expect(m.checkFingerprint()).toBe(true);
  });

  it("ignores attributes after MESSAGE-INTEGRITY but keeps FINGERPRINT", () => {
    const key = StunKey.shortTerm("k");
    const signed = new StunMessageBuilder(StunMethod.Binding, StunClass.Request)
      .username("a:b")
      .encode({ integrity: key });
    const extra = new Uint8Array([0x00, 0x13, 0x00, 0x04, 1, 2, 3, 4]);
    const tampered = new Uint8Array(signed.length + 8);
    tampered.set(signed);
    tampered.set(extra, signed.length);
    tampered[3] = tampered.length - 20;
    const m = decodeMessage(tampered);
    expect(m.data).toBeUndefined();
    expect(m.ignoredAfterIntegrity).toBe(1);
    expect(m.checkIntegrity(key)).toBe(true);
  });

  it("rejects attributes after FINGERPRINT and malformed framing with codes", () => {
    const good = new StunMessageBuilder(StunMethod.Binding, StunClass.Request)
      .software("abc")
      .encode({ fingerprint: true });
    const mutate = (f: (b: Uint8Array) => void) => {
      const b = new Uint8Array(good);
      f(b);
      return b;
    };
    expectStunError(() => decodeMessage(good.subarray(0, 19)), "ERR_TOO_SHORT");
    expectStunError(() => decodeMessage(good.subarray(0, good.length - 4)), "ERR_TOO_SHORT");
    expectStunError(() => decodeMessage(mutate((b) => (b[0]! |= 0x80))), "ERR_NOT_STUN");
    expectStunError(() => decodeMessage(mutate((b) => (b[4]! ^= 1))), "ERR_BAD_MAGIC_COOKIE");
    expectStunError(() => decodeMessage(mutate((b) => (b[3]! += 2))), "ERR_BAD_LENGTH");
    expectStunError(() => decodeMessage(mutate((b) => (b[23] = 13))), "ERR_ATTRIBUTE_OVERRUN");
    const after = new Uint8Array(good.length + 4);
    after.set(good);
    after.set([0x80, 0x22, 0, 0], good.length);
    after[3] = after.length - 20;
    expectStunError(() => decodeMessage(after), "ERR_FINGERPRINT_NOT_LAST");
    const badAddress = decodeMessage(
      new StunMessageBuilder(StunMethod.Binding, StunClass.SuccessResponse)
        .attribute(A.XOR_MAPPED_ADDRESS, new Uint8Array([0, 3, 0, 0, 1, 2, 3, 4]))
        .encode(),
    );
    expectStunError(() => badAddress.xorMappedAddress, "ERR_BAD_ATTRIBUTE");
  });

  it("encoder refuses out-of-range values", () => {
    const b = () => new StunMessageBuilder(StunMethod.Binding, StunClass.Request);
    expectStunError(() => b().priority(-1), "ERR_INVALID_ARGUMENT");
    expectStunError(() => b().errorCode(200), "ERR_INVALID_ARGUMENT");
    expectStunError(() => b().username("x".repeat(509)), "ERR_INVALID_ARGUMENT");
    expectStunError(
      () => b().xorMappedAddress({ family: "IPv4", address: "nope", port: 1 }),
      "ERR_INVALID_ARGUMENT",
    );
    expectStunError(
      () => b().xorMappedAddress({ family: "IPv4", address: "1.2.3.4", port: 70000 }),
      "ERR_INVALID_ARGUMENT",
    );
    expectStunError(
      () => new StunMessageBuilder(StunMethod.Binding, StunClass.Request, new Uint8Array(11)),
      "ERR_INVALID_ARGUMENT",
    );
    expectStunError(() => b().data(new Uint8Array(70000)), "ERR_INVALID_ARGUMENT");
    const once = b();
    once.encode();
    expectStunError(() => once.username("x"), "ERR_INVALID_ARGUMENT");
  });

  it("grows the buffer for large messages", () => {
    const payload = new Uint8Array(randomBytes(60000));
    const m = decodeMessage(
      new StunMessageBuilder(StunMethod.Send, StunClass.Indication)
        .data(payload)
        .encode({ fingerprint: true }),
    );
    expect(Buffer.from(m.data!).equals(Buffer.from(payload))).toBe(true);
    expect(m.checkFingerprint()).toBe(true);
  });
});

describe("RFC 7983 classification", () => {
  it("classifies by first byte", () => {
    expect(classifyPacket(new Uint8Array([0]))).toBe("stun");
    expect(classifyPacket(new Uint8Array([3]))).toBe("stun");
    expect(classifyPacket(new Uint8Array([22]))).toBe("dtls");
    expect(classifyPacket(new Uint8Array([0x40]))).toBe("turn-channel");
    expect(classifyPacket(new Uint8Array([0x80]))).toBe("rtp");
    expect(classifyPacket(new Uint8Array([17]))).toBe("zrtp");
    expect(classifyPacket(new Uint8Array([200]))).toBe("unknown");
    expect(classifyPacket(new Uint8Array(0))).toBe("unknown");
    const stun = new StunMessageBuilder(StunMethod.Binding, StunClass.Request).encode();
    expect(isStunPacket(stun)).toBe(true);
    expect(isStunPacket(stun.subarray(0, 19))).toBe(false);
    const dtls = new Uint8Array(stun);
    dtls[0] = 22;
    expect(isStunPacket(dtls)).toBe(false);
  });
});
