import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { fuzz } from "./run.js";
import { allTargets } from "./targets.js";

// CI's small count of `npm run fuzz` (which runs a million per parser): the
// targets exist, their seeds are valid input, and 6,000 cases each crash
// nothing: 240,000 in all, about 15 s on this machine.
const targets = await allTargets();
const CASES = 6000;

describe("npm run fuzz targets", () => {
  it("cover STUN, TURN ChannelData, ICE-TCP framing, DTLS (record, header, every handshake message), SDP, mDNS, SCTP, media, DCEP and RTSP; CI runs at least 200,000 cases of them", () => {
    const names = targets.map((t) => t.name).join("\n");
    for (const what of [
      "STUN",
      "ChannelData",
      "ICE-TCP framing",
      "DTLS record",
      "DTLS handshake header",
      "ClientHello",
      "ServerHello",
      "HelloVerifyRequest",
      "DTLS Certificate",
      "ServerKeyExchange",
      "CertificateRequest",
      "ServerHelloDone",
      "ClientKeyExchange",
      "CertificateVerify",
      "Finished",
      "DTLS 1.3 datagram",
      "DTLS 1.3 EncryptedExtensions",
      "DTLS 1.3 CertificateRequest",
      "DTLS 1.3 Certificate",
      "DTLS 1.3 ACK and KeyUpdate",
      "DTLS 1.3 key_share (client",
      "DTLS 1.3 ServerHello extensions",
      "SDP",
      "mDNS",
      "SCTP packet",
      "SCTP reassembly",
      "RTP packet",
      "RTCP compound",
      "H.264 depacketizer",
      "H.264 SPS",
      "VP8 depacketizer",
      "SRTP/SRTCP unprotect (SRTP_AES128_CM_HMAC_SHA1_80)",
      "SRTP/SRTCP unprotect (SRTP_AEAD_AES_128_GCM)",
      "DCEP",
      "RTSP stream reader",
      "RTSP DESCRIBE SDP",
      "RTSP Transport",
      "RTSP WWW-Authenticate",
    ]) {
      expect(names).toContain(what);
    }
    expect(targets.length * CASES).toBeGreaterThanOrEqual(200_000);
  });

  for (const target of targets) {
    it(`${target.name}: its seeds parse, ${CASES.toLocaleString("en-US")} cases crash nothing`, () => {
      expect(target.seeds.length).toBeGreaterThan(0);
      for (const seed of target.seeds) target.run(seed);
      const summary = fuzz(target, CASES, 15);
      expect(summary.examples).toEqual([]);
      expect(summary.crashes).toBe(0);
    });
  }
});
