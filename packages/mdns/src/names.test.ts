import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addressKey,
  checkMdnsName,
  generateMdnsName,
  isGeneratedMdnsName,
  isMdnsName,
  MdnsError,
  normalizeMdnsName,
} from "./index.js";

describe("names", () => {
  it("generates distinct <uuid-v4>.local names", () => {
    const names = new Set(Array.from({ length: 100 }, generateMdnsName));
    expect(names.size).toBe(100);
    for (const n of names) {
      expect(n).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.local$/);
      expect(isGeneratedMdnsName(n.toUpperCase())).toBe(true);
      expect(isMdnsName(n)).toBe(true);
    }
    // The form Chromium 156 put in its offer (test-vectors/sdp/chromium-156-offer-mdns.sdp).
    expect(isGeneratedMdnsName("569d5203-7ce4-4f54-a00b-ece5faca9048.local")).toBe(true);
    expect(isGeneratedMdnsName("printer.local")).toBe(false);
  });

  it("checks .local names and lengths; anything else throws MdnsError ERR_INVALID_NAME only", () => {
    expect(normalizeMdnsName("Host.Local.")).toBe("host.local");
    expect(checkMdnsName("A.B.local")).toBe("a.b.local");
    for (const bad of ["local", ".local", "a..local", "example.com", `${"x".repeat(64)}.local`, ""]) {
      expect(() => checkMdnsName(bad)).toThrow(MdnsError);
    }
    expect(isMdnsName(`${"a.".repeat(124)}local`)).toBe(true);
    expect(isMdnsName(`${"a.".repeat(125)}local`)).toBe(false);
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        try {
          expect(checkMdnsName(s)).toBe(normalizeMdnsName(s));
        } catch (error) {
          expect(error).toBeInstanceOf(MdnsError);
          expect((error as MdnsError).code).toBe("ERR_INVALID_NAME");
        }
      }),
    );
  });

  it("compares addresses by their bytes", () => {
    expect(addressKey("::1")).toBe(addressKey("0:0:0:0:0:0:0:1"));
    expect(addressKey("FD00:198:18::7")).toBe(addressKey("fd00:198:18:0:0:0:0:7"));
    expect(addressKey("::ffff:198.18.0.1")).toBe(addressKey("::ffff:c612:1"));
    expect(addressKey("198.18.0.1")).toBe("c6120001");
    expect(addressKey("198.18.0.1")).not.toBe(addressKey("::ffff:198.18.0.1"));
    expect(addressKey("nope")).toBe("");
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        expect(addressKey(ip)).toMatch(/^[0-9a-f]{32}$/);
      }),
    );
  });
});
