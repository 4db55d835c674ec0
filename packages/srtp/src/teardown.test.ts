import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AesCmHmacTransform } from "./aes-cm-transform.js";
import { createDtlsSrtpContexts } from "./dtls-srtp.js";
import { AeadGcmTransform } from "./gcm-transform.js";
import { deriveSessionKeys } from "./key-derivation.js";
import { dtlsSrtpKeyingMaterialLength } from "./keying-material.js";
import { SRTP_PROFILES, type SrtpProfileName } from "./profiles.js";
import { rtcpPacket, rtpPacket } from "./test-vectors.test-helper.js";

declare const gc: () => void;

async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 20 && ref.deref() !== undefined; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
  return ref.deref() === undefined;
}

// Contexts hold no timer, socket or listener: a dropped one is garbage like any object, closed or not.
describe("teardown", () => {
  for (const profile of Object.keys(SRTP_PROFILES) as SrtpProfileName[]) {
    it(`a dropped ${profile} context pair (used on RTP and RTCP, closed or not) is collected`, async () => {
      const refs: WeakRef<object>[] = [];
      (() => {
        for (const close of [true, false]) {
          const { outbound, inbound } = createDtlsSrtpContexts(
            profile,
            randomBytes(dtlsSrtpKeyingMaterialLength(profile)),
            "client",
          );
          for (let seq = 0; seq < 50; seq++)
            outbound.protectRtp(rtpPacket({ seq, ssrc: 1, payload: new Uint8Array(1000) }));
          outbound.protectRtcp(rtcpPacket(1, new Uint8Array(20)));
          if (close) {
            outbound.close();
            inbound.close();
          }
          refs.push(new WeakRef(outbound), new WeakRef(inbound));
        }
      })();
      for (const ref of refs) expect(await collected(ref)).toBe(true);
    });
  }

  it("session keys are zeroed once inside the cipher objects, and salts on close()", () => {
    const cm = deriveSessionKeys("SRTP_AES128_CM_HMAC_SHA1_80", randomBytes(16), randomBytes(14));
    const gcm = deriveSessionKeys("SRTP_AEAD_AES_256_GCM", randomBytes(32), randomBytes(12));
    const transforms = [
      { keys: cm, t: new AesCmHmacTransform(cm.rtp, cm.rtcp, 10, 10) },
      { keys: gcm, t: new AeadGcmTransform(gcm.rtp, gcm.rtcp) },
    ];
    const zero = (b: Uint8Array) => b.every((x) => x === 0);
    for (const { keys, t } of transforms) {
      for (const k of [keys.rtp, keys.rtcp]) {
        expect(zero(k.encryptionKey) && zero(k.authenticationKey)).toBe(true);
        expect(zero(k.salt)).toBe(false);
      }
      t.protectRtp(rtpPacket({ seq: 1, ssrc: 1, payload: new Uint8Array(10) }), 12, 1, 0, 1);
      t.close();
      expect(zero(keys.rtp.salt) && zero(keys.rtcp.salt)).toBe(true);
    }
  });
});
