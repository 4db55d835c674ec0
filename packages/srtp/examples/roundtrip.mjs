// Run from the repository root: node packages/srtp/examples/roundtrip.mjs
import { randomBytes } from "node:crypto";
import { createDtlsSrtpContexts, dtlsSrtpKeyingMaterialLength, SrtpError } from "@purertc/srtp";

// After the DTLS handshake, both peers export the same keying material (label "EXTRACTOR-dtls_srtp",
// RFC 5764 §4.2). Random bytes stand in for it here.
const profile = "SRTP_AEAD_AES_128_GCM";
const material = randomBytes(dtlsSrtpKeyingMaterialLength(profile));
const client = createDtlsSrtpContexts(profile, material, "client");
const server = createDtlsSrtpContexts(profile, material, "server");

// An RTP packet: version 2, payload type 96, sequence number 1, timestamp 3000, SSRC 0x1234abcd.
const rtp = Buffer.from("80600001 00000bb8 1234abcd 68656c6c6f2c205352545021".replace(/ /g, ""), "hex");
const srtp = client.outbound.protectRtp(rtp);
const clear = server.inbound.unprotectRtp(srtp);
console.log(
  `RTP ${rtp.length} bytes -> SRTP ${srtp.length} bytes -> RTP "${Buffer.from(clear.subarray(12))}"`,
);

// RTCP (a receiver report) goes through SRTCP with its own index.
const rtcp = Buffer.from(
  "81c90007 1234abcd 00000000 00000000 00000000 00000000 00000000 00000000".replace(/ /g, ""),
  "hex",
);
const srtcp = server.outbound.protectRtcp(rtcp);
console.log(
  `RTCP ${rtcp.length} bytes -> SRTCP ${srtcp.length} bytes -> ${client.inbound.unprotectRtcp(srtcp).length} bytes`,
);

// A replayed packet, and a tampered one, are refused with a typed error and counted.
const next = client.outbound.protectRtp(
  Buffer.concat([Buffer.from([0x80, 0x60, 0x00, 0x02]), rtp.subarray(4)]),
);
next[next.length - 1] ^= 1;
for (const bad of [srtp, next]) {
  try {
    server.inbound.unprotectRtp(bad);
  } catch (error) {
    if (!(error instanceof SrtpError)) throw error;
    console.log(`refused: ${error.code}`);
  }
}
const { rtpUnprotected, replayed, authFailures } = server.inbound.stats;
console.log(`stats: rtpUnprotected=${rtpUnprotected} replayed=${replayed} authFailures=${authFailures}`);

for (const c of [client.inbound, client.outbound, server.inbound, server.outbound]) c.close();
