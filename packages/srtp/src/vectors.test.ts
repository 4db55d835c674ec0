import { describe, expect, it } from "vitest";
import { AesCmKeystream } from "./aes-cm.js";
import { SrtpContext } from "./context.js";
import { AeadGcmTransform } from "./gcm-transform.js";
import { aesCmPrf, deriveSessionKeys, KdfLabel } from "./key-derivation.js";
import type { SrtpProfileName } from "./profiles.js";
import { errorCode, hex, toHex, vector } from "./test-vectors.test-helper.js";

interface B2 {
  sessionKey: string;
  sessionSaltShifted: string;
  keystreamSegmentBlocks: number;
  blocks: { counter: string; keystream: string }[];
}
interface B3 {
  masterKey: string;
  masterSalt: string;
  cipherKey: string;
  cipherSalt: string;
  authKey94: string;
}
interface Libsrtp {
  profile: SrtpProfileName;
  masterKey: string;
  masterSalt: string;
  rtp: string;
  srtp: string;
  rtcp: string;
  srtcpIndex: number;
  srtcp: string;
}
interface Gcm16 {
  salt: string;
  rtp: string;
  cases: { section: string; profile: SrtpProfileName; key: string; srtp: string }[];
}
interface Gcm17 {
  salt: string;
  srtcpIndex: number;
  rtcp: string;
  cases: { section: string; profile: SrtpProfileName; key: string; encrypted: boolean; srtcp: string }[];
}

const gcm = (key: string, salt: string) => {
  const keys = () => ({ encryptionKey: hex(key), salt: hex(salt), authenticationKey: new Uint8Array(0) });
  return new AeadGcmTransform(keys(), keys());
};

describe("RFC 3711 Appendix B", () => {
  it("B.2: the AES-CM keystream, over the whole 65,282-block segment", () => {
    const v = vector<B2>("rfc3711-b2-aes-cm-keystream.json");
    const ks = new AesCmKeystream(hex(v.sessionKey)).keystream(
      hex(v.sessionSaltShifted),
      v.keystreamSegmentBlocks * 16,
    );
    for (const b of v.blocks) {
      const i = Number.parseInt(b.counter.slice(28), 16);
      expect(toHex(ks.subarray(i * 16, i * 16 + 16)), b.counter).toBe(b.keystream);
    }
  });

  it("B.3: cipher key, cipher salt and the 94-byte auth key from the master key and salt", () => {
    const v = vector<B3>("rfc3711-b3-key-derivation.json");
    const [k, s] = [hex(v.masterKey), hex(v.masterSalt)];
    expect(toHex(aesCmPrf(k, s, KdfLabel.RtpEncryption, 16))).toBe(v.cipherKey);
    expect(toHex(aesCmPrf(k, s, KdfLabel.RtpSalt, 14))).toBe(v.cipherSalt);
    expect(toHex(aesCmPrf(k, s, KdfLabel.RtpAuthentication, 94))).toBe(v.authKey94);
    const session = deriveSessionKeys("SRTP_AES128_CM_HMAC_SHA1_80", k, s);
    expect(toHex(session.rtp.encryptionKey)).toBe(v.cipherKey);
    expect(toHex(session.rtp.salt)).toBe(v.cipherSalt);
    expect(toHex(session.rtp.authenticationKey)).toBe(v.authKey94.slice(0, 40));
  });
});

describe("libsrtp srtp_driver: AES_CM_128_HMAC_SHA1_80 end to end (key derivation, SRTP, SRTCP)", () => {
  const v = vector<Libsrtp>("libsrtp-srtp-driver-aes-cm-80.json");
  const context = () =>
    new SrtpContext({ profile: v.profile, masterKey: hex(v.masterKey), masterSalt: hex(v.masterSalt) });

  it("protects RTP and RTCP to libsrtp's bytes", () => {
    const c = context();
    expect(toHex(c.protectRtp(hex(v.rtp)))).toBe(v.srtp);
    for (let i = 0; i < v.srtcpIndex; i++) c.protectRtcp(hex(v.rtcp));
    expect(toHex(c.protectRtcp(hex(v.rtcp)))).toBe(v.srtcp);
  });

  it("unprotects libsrtp's packets, and refuses every truncation of them", () => {
    const c = context();
    expect(toHex(c.unprotectRtp(hex(v.srtp)))).toBe(v.rtp);
    expect(toHex(c.unprotectRtcp(hex(v.srtcp)))).toBe(v.rtcp);
    for (const [bytes, fn] of [
      [hex(v.srtp), (b: Uint8Array) => context().unprotectRtp(b)],
      [hex(v.srtcp), (b: Uint8Array) => context().unprotectRtcp(b)],
    ] as const) {
      for (let len = bytes.length - 1; len >= 0; len--) {
        expect(["ERR_TOO_SHORT", "ERR_AUTH"], `length ${len}`).toContain(
          errorCode(() => fn(bytes.subarray(0, len))),
        );
      }
    }
  });
});

describe("RFC 7714 §16: AES-GCM SRTP", () => {
  const v = vector<Gcm16>("rfc7714-16-srtp-gcm.json");
  for (const c of v.cases) {
    it(`§${c.section} ${c.profile}: encryption and decryption`, () => {
      const t = gcm(c.key, v.salt);
      expect(toHex(t.protectRtp(hex(v.rtp), 12, 0x5501a0b2, 0, 0xf17b))).toBe(c.srtp);
      expect(toHex(t.unprotectRtp(hex(c.srtp), 12, 0x5501a0b2, 0, 0xf17b)!)).toBe(v.rtp);
      const tampered = hex(c.srtp);
      tampered[20]! ^= 1;
      expect(t.unprotectRtp(tampered, 12, 0x5501a0b2, 0, 0xf17b)).toBeUndefined();
    });
  }
});

describe("RFC 7714 §17: AES-GCM SRTCP", () => {
  const v = vector<Gcm17>("rfc7714-17-srtcp-gcm.json");
  const ssrc = 0x4d617273; // "Mars"
  for (const c of v.cases) {
    it(`§${c.section} ${c.profile}${c.encrypted ? "" : " (E = 0)"}: ${c.encrypted ? "encryption and " : ""}decryption`, () => {
      const t = gcm(c.key, v.salt);
      if (c.encrypted) expect(toHex(t.protectRtcp(hex(v.rtcp), ssrc, v.srtcpIndex))).toBe(c.srtcp);
      expect(toHex(t.unprotectRtcp(hex(c.srtcp), ssrc, v.srtcpIndex, c.encrypted)!)).toBe(v.rtcp);
      const tampered = hex(c.srtcp);
      tampered[9]! ^= 0x80;
      expect(t.unprotectRtcp(tampered, ssrc, v.srtcpIndex, c.encrypted)).toBeUndefined();
    });
  }
});
