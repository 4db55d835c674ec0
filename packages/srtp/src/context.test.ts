import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SrtpContext } from "./context.js";
import { createDtlsSrtpContexts } from "./dtls-srtp.js";
import { deriveSessionKeys } from "./key-derivation.js";
import { dtlsSrtpKeyingMaterialLength, splitDtlsSrtpKeyingMaterial } from "./keying-material.js";
import { SRTP_PROFILES, type SrtpProfileName, srtpProfileById } from "./profiles.js";
import { errorCode, rtcpPacket, rtpPacket, toHex } from "./test-vectors.test-helper.js";

const PROFILES = Object.keys(SRTP_PROFILES) as SrtpProfileName[];

function pair(profile: SrtpProfileName, replayWindow?: number) {
  const p = SRTP_PROFILES[profile];
  const masterKey = randomBytes(p.keyLength);
  const masterSalt = randomBytes(p.saltLength);
  return {
    tx: new SrtpContext({ profile, masterKey, masterSalt, replayWindow }),
    rx: new SrtpContext({ profile, masterKey, masterSalt, replayWindow }),
  };
}

const payload = (n: number, fill = 0xab) => new Uint8Array(n).fill(fill);

describe.each(PROFILES)("%s", (profile) => {
  const p = SRTP_PROFILES[profile];

  it("round-trips RTP (CSRCs, header extension, empty payload) and RTCP, adding the profile's overhead", () => {
    const { tx, rx } = pair(profile);
    let seq = 0;
    for (const [i, opts] of [{}, { csrcs: 3 }, { extWords: 2 }, { csrcs: 15, extWords: 0 }].entries()) {
      for (const size of [0, 1, 3, 17, 160, 1188]) {
        const rtp = rtpPacket({ seq: seq++, ssrc: 0x11223344, payload: payload(size, i), ...opts });
        const srtp = tx.protectRtp(rtp);
        expect(srtp.length).toBe(rtp.length + p.rtpTagLength);
        if (size >= 16) expect(toHex(srtp).includes(toHex(rtp.subarray(rtp.length - 16)))).toBe(false);
        expect(toHex(rx.unprotectRtp(srtp))).toBe(toHex(rtp));
      }
    }
    const rtcp = rtcpPacket(0x11223344, payload(40, 7));
    const srtcp = tx.protectRtcp(rtcp);
    expect(srtcp.length).toBe(rtcp.length + 4 + p.rtcpTagLength);
    expect(toHex(rx.unprotectRtcp(srtcp))).toBe(toHex(rtcp));
    expect(rx.stats).toMatchObject({ rtpUnprotected: 24, rtcpUnprotected: 1, authFailures: 0, replayed: 0 });
  });

  it("refuses every single-bit change and every truncation with ERR_AUTH or ERR_TOO_SHORT (counted)", () => {
    const { tx, rx } = pair(profile);
    const srtp = tx.protectRtp(rtpPacket({ seq: 7, ssrc: 1, payload: payload(40) }));
    let auth = 0;
    for (let i = 0; i < srtp.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const t = srtp.slice();
        t[i]! ^= bit;
        const code = errorCode(() => rx.unprotectRtp(t));
        expect(["ERR_AUTH", "ERR_NOT_RTP", "ERR_BAD_HEADER", "ERR_TOO_SHORT"]).toContain(code);
        if (code === "ERR_AUTH") auth++;
      }
    }
    for (let len = 0; len < srtp.length; len++) {
      expect(["ERR_AUTH", "ERR_TOO_SHORT", "ERR_BAD_HEADER"]).toContain(
        errorCode(() => rx.unprotectRtp(srtp.subarray(0, len))),
      );
    }
    expect(rx.stats.authFailures).toBeGreaterThanOrEqual(auth);
    expect(rx.stats.rtpUnprotected).toBe(0);
    // Nothing refused changed the state: the genuine packet still passes, once.
    expect(rx.unprotectRtp(srtp).length).toBe(52);
    expect(errorCode(() => rx.unprotectRtp(srtp))).toBe("ERR_REPLAY");

    const srtcp = tx.protectRtcp(rtcpPacket(1, payload(20)));
    for (let i = 0; i < srtcp.length; i++) {
      const t = srtcp.slice();
      t[i]! ^= 0x04;
      expect(["ERR_AUTH", "ERR_REPLAY"]).toContain(errorCode(() => rx.unprotectRtcp(t)));
    }
    for (let len = 0; len < srtcp.length; len++) {
      expect(["ERR_AUTH", "ERR_TOO_SHORT", "ERR_NOT_RTP"]).toContain(
        errorCode(() => rx.unprotectRtcp(srtcp.subarray(0, len))),
      );
    }
    expect(rx.unprotectRtcp(srtcp).length).toBe(28);
  });

  it("refuses replayed RTP and RTCP; accepts reordering inside the window", () => {
    const { tx, rx } = pair(profile);
    const packets = Array.from({ length: 20 }, (_, seq) =>
      tx.protectRtp(rtpPacket({ seq, ssrc: 9, payload: payload(30) })),
    );
    for (const i of [0, 1, 5, 3, 2, 4, 19, 10]) rx.unprotectRtp(packets[i]!);
    for (const i of [0, 5, 19, 10]) expect(errorCode(() => rx.unprotectRtp(packets[i]!))).toBe("ERR_REPLAY");
    for (const i of [6, 7, 8, 9, 11, 18]) rx.unprotectRtp(packets[i]!);
    expect(rx.stats).toMatchObject({ replayed: 4, rtpUnprotected: 14 });
    const rtcp = [0, 1, 2].map(() => tx.protectRtcp(rtcpPacket(9, payload(8))));
    rx.unprotectRtcp(rtcp[2]!);
    rx.unprotectRtcp(rtcp[0]!);
    expect(errorCode(() => rx.unprotectRtcp(rtcp[0]!))).toBe("ERR_REPLAY");
    expect(errorCode(() => rx.unprotectRtcp(rtcp[2]!))).toBe("ERR_REPLAY");
    rx.unprotectRtcp(rtcp[1]!);
  });
});

describe("rollover counter (RFC 3711 Appendix A)", () => {
  it("follows sequence wraps on both sides, with reordering across the wrap", () => {
    const { tx, rx } = pair("SRTP_AES128_CM_HMAC_SHA1_80");
    const seqs: number[] = [];
    for (let s = 65500; s < 65536 * 3 + 100; s += 7) seqs.push(s & 0xffff);
    const packets = seqs.map((seq) =>
      tx.protectRtp(rtpPacket({ seq, ssrc: 5, payload: payload(20, seq & 0xff) })),
    );
    // Swap neighbours: every wrap is crossed out of order at least once.
    for (let i = 0; i + 1 < packets.length; i += 2)
      [packets[i], packets[i + 1]] = [packets[i + 1]!, packets[i]!];
    for (const srtp of packets) rx.unprotectRtp(srtp);
    expect(rx.stats.rtpUnprotected).toBe(packets.length);
    expect(rx.stats.authFailures).toBe(0);
  });

  it("a receiver that guesses the wrong ROC fails authentication rather than decrypting garbage", () => {
    const { tx, rx } = pair("SRTP_AEAD_AES_128_GCM");
    const first = tx.protectRtp(rtpPacket({ seq: 10, ssrc: 5, payload: payload(20) }));
    // 40,000 packets later the sender has wrapped (ROC 1): seq 40010 - 65536 … jump straight there.
    for (let s = 10; s < 65536 + 20; s += 30000)
      tx.protectRtp(rtpPacket({ seq: s & 0xffff, ssrc: 5, payload: payload(1) }));
    const late = tx.protectRtp(rtpPacket({ seq: 30, ssrc: 5, payload: payload(20) })); // ROC 1
    rx.unprotectRtp(first);
    // rx has s_l = 10, ROC 0: seq 30 looks like ROC 0, so authentication fails.
    expect(errorCode(() => rx.unprotectRtp(late))).toBe("ERR_AUTH");
  });
});

describe("SRTCP E flag (RFC 3711 §3.4)", () => {
  it("accepts an authenticated but unencrypted (E = 0) SRTCP packet made with createHmac, and refuses it replayed", () => {
    const masterKey = randomBytes(16);
    const masterSalt = randomBytes(14);
    const profile = "SRTP_AES128_CM_HMAC_SHA1_80";
    const rx = new SrtpContext({ profile, masterKey, masterSalt });
    const { rtcp: keys } = deriveSessionKeys(profile, masterKey, masterSalt);
    const rtcp = rtcpPacket(77, payload(24, 5));
    const indexWord = Uint8Array.of(0x00, 0x00, 0x00, 0x09); // E = 0, index 9
    const authenticated = Buffer.concat([rtcp, indexWord]);
    const tag = createHmac("sha1", keys.authenticationKey).update(authenticated).digest().subarray(0, 10);
    const srtcp = Buffer.concat([authenticated, tag]);
    expect(toHex(rx.unprotectRtcp(srtcp))).toBe(toHex(rtcp));
    expect(errorCode(() => rx.unprotectRtcp(srtcp))).toBe("ERR_REPLAY");
    const flipped = Buffer.from(srtcp);
    flipped[rtcp.length]! |= 0x80; // claim E = 1: the tag covers the E flag
    expect(errorCode(() => new SrtpContext({ profile, masterKey, masterSalt }).unprotectRtcp(flipped))).toBe(
      "ERR_AUTH",
    );
  });

  it("protects with E = 1 and an index counting from 0 per SSRC", () => {
    const { tx } = pair("SRTP_AES128_CM_HMAC_SHA1_80");
    const words = [0, 1, 2].map(() => {
      const s = tx.protectRtcp(rtcpPacket(5, payload(8)));
      return toHex(s.subarray(s.length - 14, s.length - 10));
    });
    expect(words).toEqual(["80000000", "80000001", "80000002"]);
  });
});

describe("replay window size", () => {
  it("is configurable: 64 refuses a packet 64 behind the highest and accepts one 63 behind", () => {
    const { tx, rx } = pair("SRTP_AES128_CM_HMAC_SHA1_32", 64);
    const packets = Array.from({ length: 200 }, (_, seq) =>
      tx.protectRtp(rtpPacket({ seq, ssrc: 3, payload: payload(4) })),
    );
    rx.unprotectRtp(packets[199]!);
    expect(errorCode(() => rx.unprotectRtp(packets[199 - 64]!))).toBe("ERR_REPLAY");
    rx.unprotectRtp(packets[199 - 63]!);
    const wide = pair("SRTP_AES128_CM_HMAC_SHA1_32", 1024);
    const more = Array.from({ length: 1100 }, (_, seq) =>
      wide.tx.protectRtp(rtpPacket({ seq, ssrc: 3, payload: payload(4) })),
    );
    wide.rx.unprotectRtp(more[1099]!);
    wide.rx.unprotectRtp(more[1099 - 1023]!);
    expect(errorCode(() => wide.rx.unprotectRtp(more[1099 - 1024]!))).toBe("ERR_REPLAY");
  });

  it("below 64 or not a multiple of 32 is refused", () => {
    for (const w of [0, 32, 63, 100])
      expect(errorCode(() => pair("SRTP_AEAD_AES_128_GCM", w))).toBe("ERR_INVALID_ARGUMENT");
  });
});

describe("streams", () => {
  it("keeps one ROC, window and SRTCP index per SSRC", () => {
    const { tx, rx } = pair("SRTP_AES128_CM_HMAC_SHA1_80");
    const a = tx.protectRtp(rtpPacket({ seq: 100, ssrc: 1, payload: payload(10) }));
    const b = tx.protectRtp(rtpPacket({ seq: 100, ssrc: 2, payload: payload(10) }));
    rx.unprotectRtp(a);
    rx.unprotectRtp(b);
    const ra = tx.protectRtcp(rtcpPacket(1, payload(4)));
    const rb = tx.protectRtcp(rtcpPacket(2, payload(4)));
    // Both SRTCP streams start at index 0 (E bit set): 0x80000000.
    expect(toHex(ra.subarray(ra.length - 14, ra.length - 10))).toBe("80000000");
    expect(toHex(rb.subarray(rb.length - 14, rb.length - 10))).toBe("80000000");
    rx.unprotectRtcp(ra);
    rx.unprotectRtcp(rb);
  });

  it("forgets the oldest stream past maxStreams (bounded memory)", () => {
    const key = randomBytes(16);
    const salt = randomBytes(14);
    const profile = "SRTP_AES128_CM_HMAC_SHA1_80";
    const tx = new SrtpContext({ profile, masterKey: key, masterSalt: salt });
    const rx = new SrtpContext({ profile, masterKey: key, masterSalt: salt, maxStreams: 2 });
    const first = tx.protectRtp(rtpPacket({ seq: 1, ssrc: 1, payload: payload(4) }));
    rx.unprotectRtp(first);
    for (const ssrc of [2, 3])
      rx.unprotectRtp(tx.protectRtp(rtpPacket({ seq: 1, ssrc, payload: payload(4) })));
    rx.unprotectRtp(first); // SSRC 1 was forgotten: its replay state with it
  });
});

describe("DTLS-SRTP keying (RFC 5764 §4.2)", () => {
  it("splits client key | server key | client salt | server salt for every profile", () => {
    for (const profile of PROFILES) {
      const p = SRTP_PROFILES[profile];
      const n = dtlsSrtpKeyingMaterialLength(profile);
      expect(n).toBe(2 * (p.keyLength + p.saltLength));
      const material = Uint8Array.from({ length: n }, (_, i) => i);
      const keys = splitDtlsSrtpKeyingMaterial(profile, material);
      const k = p.keyLength;
      expect(keys.client.masterKey[0]).toBe(0);
      expect(keys.server.masterKey[0]).toBe(k);
      expect(keys.client.masterSalt[0]).toBe(2 * k);
      expect(keys.server.masterSalt[0]).toBe(2 * k + p.saltLength);
      expect(keys.server.masterSalt.length).toBe(p.saltLength);
      expect(srtpProfileById(p.id)).toBe(profile);
      expect(errorCode(() => splitDtlsSrtpKeyingMaterial(profile, material.subarray(1)))).toBe(
        "ERR_INVALID_ARGUMENT",
      );
    }
  });

  it("the client's outbound context talks to the server's inbound one, and back", () => {
    for (const profile of PROFILES) {
      const material = randomBytes(dtlsSrtpKeyingMaterialLength(profile));
      const client = createDtlsSrtpContexts(profile, material, "client");
      const server = createDtlsSrtpContexts(profile, material, "server");
      const rtp = rtpPacket({ seq: 1, ssrc: 42, payload: payload(100) });
      expect(toHex(server.inbound.unprotectRtp(client.outbound.protectRtp(rtp)))).toBe(toHex(rtp));
      expect(toHex(client.inbound.unprotectRtp(server.outbound.protectRtp(rtp)))).toBe(toHex(rtp));
      // Each direction has its own key: a packet reflected back is refused.
      const reflected = client.outbound.protectRtp(rtpPacket({ seq: 2, ssrc: 42, payload: payload(100) }));
      expect(errorCode(() => client.inbound.unprotectRtp(reflected))).toBe("ERR_AUTH");
    }
  });
});

describe("close", () => {
  it("is idempotent, refuses later use with ERR_CLOSED, and works through Symbol.dispose", () => {
    const { tx, rx } = pair("SRTP_AEAD_AES_256_GCM");
    const srtp = tx.protectRtp(rtpPacket({ seq: 1, ssrc: 1, payload: payload(8) }));
    tx.close();
    tx.close();
    expect(tx.closed).toBe(true);
    expect(errorCode(() => tx.protectRtp(rtpPacket({ seq: 2, ssrc: 1, payload: payload(8) })))).toBe(
      "ERR_CLOSED",
    );
    rx[Symbol.dispose]();
    expect(errorCode(() => rx.unprotectRtp(srtp))).toBe("ERR_CLOSED");
    expect(errorCode(() => rx.unprotectRtcp(srtp))).toBe("ERR_CLOSED");
  });
});
