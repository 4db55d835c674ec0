import { randomBytes } from "node:crypto";
import { serializeRtpPacket } from "@purertc/rtp";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultCodecs } from "./codecs.js";
import type { NegotiatedMedia } from "./media-session.js";
import { MediaTransport } from "./media-transport.js";
import { createSrtpCrypto } from "./srtp-crypto.js";
import { RtpTransceiver } from "./transceiver.js";

/** Both ends of one SRTP association (AEAD_AES_128_GCM keyed from the same exporter bytes). */
function pair() {
  const material = randomBytes(56);
  const ours = createSrtpCrypto("SRTP_AEAD_AES_128_GCM", new Uint8Array(material), "server");
  const peer = createSrtpCrypto("SRTP_AEAD_AES_128_GCM", new Uint8Array(material), "client");
  const t = new RtpTransceiver("video", "cname");
  const media: NegotiatedMedia = {
    transceiver: t,
    mid: "0",
    codecs: defaultCodecs("video"),
    midExtensionId: 4,
    remoteSsrcs: [],
    direction: "sendrecv",
    reducedSize: true,
  };
  const sent: Uint8Array[] = [];
  const transport = new MediaTransport(ours, (d) => sent.push(d), "cname");
  transport.update([media]);
  const close = () => {
    transport.close();
    ours.close();
    peer.close();
  };
  return { transport, peer, t, sent, close };
}

describe("media transport: any datagram from the network", () => {
  it("random bytes as RTP or RTCP are dropped (SRTP refuses them), never thrown", () => {
    const { transport, close } = pair();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1500 }), fc.constantFrom("rtp", "rtcp" as const), (d, kind) => {
        transport.receive(d, kind);
      }),
      { numRuns: 500 },
    );
    expect(transport.dropped).toBeGreaterThan(0);
    close();
  });

  it("authentic packets with any payload, mutated or not, never throw; unknown SSRCs stay bounded", () => {
    const { transport, peer, t, close } = pair();
    let packets = 0;
    t.receiver.addEventListener("rtp", () => packets++);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.constantFrom(96, 102, 111, 0),
        fc.uint8Array({ maxLength: 1200 }),
        fc.boolean(),
        fc.nat(),
        (ssrc, payloadType, payload, marker, sequenceNumber) => {
          const rtp = serializeRtpPacket({
            payloadType,
            sequenceNumber: sequenceNumber & 0xffff,
            timestamp: 0,
            ssrc,
            marker,
            payload,
          });
          transport.receive(peer.protectRtp(rtp), "rtp");
          // An authentic RTCP compound of garbage after a valid header.
          const rtcp = new Uint8Array(8 + (payload.length & ~3));
          rtcp.set([
            0x80,
            200 + ((payload[0] ?? 0) % 8),
            0,
            (rtcp.length >> 2) - 1,
            ...payload.subarray(0, rtcp.length - 4),
          ]);
          transport.receive(peer.protectRtcp(rtcp), "rtcp");
        },
      ),
      { numRuns: 300 },
    );
    expect(transport.streams().receive.length).toBeLessThanOrEqual(64);
    // Payload types 96/102 belong to the one section: those packets were routed to its receiver.
    expect(packets).toBeGreaterThan(0);
    close();
  });
});
