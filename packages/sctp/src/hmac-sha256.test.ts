import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HmacSha256Key } from "./hmac-sha256.js";

const hex = (s: string) => Uint8Array.from(Buffer.from(s, "hex"));
const text = (s: string) => new TextEncoder().encode(s);

describe("HMAC-SHA-256 of the State Cookie", () => {
  // RFC 4231 test cases 1–4, 6 and 7 (§4.2–4.5, §4.7, §4.8: the HMAC-SHA-256 outputs; test case 5,
  // §4.6, is truncated to 128 bits).
  const vectors: Array<[string, Uint8Array, Uint8Array, string]> = [
    [
      "4.2",
      hex("0b".repeat(20)),
      text("Hi There"),
      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
    ],
    [
      "4.3",
      text("Jefe"),
      text("what do ya want for nothing?"),
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    ],
    [
      "4.4",
      hex("aa".repeat(20)),
      hex("dd".repeat(50)),
      "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
    ],
    [
      "4.5",
      Uint8Array.from({ length: 25 }, (_, i) => i + 1),
      hex("cd".repeat(50)),
      "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
    ],
    [
      "4.7",
      hex("aa".repeat(131)),
      text("Test Using Larger Than Block-Size Key - Hash Key First"),
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    ],
    [
      "4.8",
      hex("aa".repeat(131)),
      text(
        "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
      ),
      "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
    ],
  ];
  it.each(vectors)("RFC 4231 §%s", (_, key, message, mac) => {
    expect(Buffer.from(new HmacSha256Key(key).mac(message)).toString("hex")).toBe(mac);
  });

  it("equals createHmac for any key and message, the key reused", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 3 }),
        (key, messages) => {
          const k = new HmacSha256Key(key);
          for (const m of messages) {
            expect(Buffer.from(k.mac(m))).toEqual(createHmac("sha256", key).update(m).digest());
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
