import { StunKey } from "@purertc/stun";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildCheck } from "../stun-io.js";
import { isAuthenticCheck } from "./gather.js";

const local = { ufrag: "srvr", pwd: "passwordpasswordpasswd" };
const session = { local, localKey: StunKey.shortTerm(local.pwd) };

function check(username: string, pwd: string): Uint8Array {
  return buildCheck({
    username,
    priority: 1,
    controlling: true,
    tieBreaker: 5n,
    useCandidate: false,
    key: StunKey.shortTerm(pwd),
  }).bytes;
}

describe("the passive listener's first-frame check", () => {
  it("takes a Binding request with our ufrag and password, and nothing else", () => {
    expect(isAuthenticCheck(session, check("srvr:peer", local.pwd))).toBe(true);
    expect(isAuthenticCheck(session, check("peer:srvr", local.pwd))).toBe(false); // the ufrags swapped
    expect(isAuthenticCheck(session, check("srvr:peer", "wrongpasswordwrongpass"))).toBe(false);
    expect(isAuthenticCheck(session, check("srvrx:peer", local.pwd))).toBe(false);
    expect(isAuthenticCheck(session, new Uint8Array([0x16, 0xfe, 0xfd]))).toBe(false); // a DTLS record
    const badFingerprint = check("srvr:peer", local.pwd);
    badFingerprint[badFingerprint.length - 1]! ^= 1;
    expect(isAuthenticCheck(session, badFingerprint)).toBe(false);
  });

  it("random bytes and mutated checks are refused without throwing (property)", () => {
    const valid = check("srvr:peer", local.pwd);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        expect(isAuthenticCheck(session, bytes)).toBe(false);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(
        // Bytes up to FINGERPRINT: what MESSAGE-INTEGRITY covers, and MESSAGE-INTEGRITY itself.
        // (A changed FINGERPRINT type makes it an unknown optional attribute after
        // MESSAGE-INTEGRITY, which STUN ignores: the check is still authentic.)
        // Distinct positions: flipping one byte twice would give the valid check back.
        fc.uniqueArray(fc.tuple(fc.nat(valid.length - 9), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 4,
          selector: ([at]) => at,
        }),
        (flips) => {
          const mutated = Uint8Array.from(valid);
          for (const [at, xor] of flips) mutated[at]! ^= xor;
          expect(isAuthenticCheck(session, mutated)).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
