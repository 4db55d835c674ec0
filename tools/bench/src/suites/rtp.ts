import { randomBytes } from "node:crypto";
import {
  H264Depacketizer,
  H264Payloader,
  joinAnnexB,
  parseRtcp,
  parseRtpPacket,
  RtpPacketizer,
  rewriteRtpHeader,
  serializeRtcp,
  serializeRtpPacket,
} from "@purertc/rtp";
import { SrtpContext } from "@purertc/srtp";
import { H264Packetizer, H264RtpPayload, RtcpPacketConverter, RtpPacket, SrtpSession } from "werift";
import { type BenchRow, type BenchSuite, opsPerSecond } from "../harness.js";

/**
 * RTP work on the media hot paths, ours beside werift 0.25.2's in the same run:
 *
 * - H.264 packetize: a 1080p-sized IDR access unit (SPS, PPS and a ~100 KB slice, Annex-B) into serialized RTP
 *   packets of at most 1,200 bytes (werift: `H264Packetizer.packetize` then `serialize()` per packet);
 * - H.264 depacketize: those packets (bytes) back into the access unit (werift: `RtpPacket.deSerialize` and
 *   `H264RtpPayload.deSerialize` chained through its fragment, concatenating the NAL units);
 * - RTP parse / serialize of a 1,200-byte packet; RTCP parse of an SR + SDES compound;
 * - RTP fan-out: one received packet made ready for one more viewer (a copy with its SSRC, payload type and
 *   sequence number rewritten) — ours in place on a copy, werift by parse, change and serialize.
 *
 * Before measuring, each side's packets are checked to carry the same access unit.
 */

const SPS = Buffer.from("6742c028d900780227e5c05a808080a0000003002000000781e30632c0", "hex");
const PPS = Buffer.from("68cb83cb20", "hex");

function keyframe(size: number): Uint8Array {
  const slice = new Uint8Array(size);
  // Bytes 1–255 (no zero, so no start code emulation inside the slice), deterministic.
  for (let i = 0; i < size; i++) slice[i] = ((i * 131 + 7) % 255) + 1;
  slice[0] = 0x65;
  slice[1] = 0x88;
  return joinAnnexB([SPS, PPS, slice]);
}

/** Microseconds per call. */
function micros(fn: () => void, ms: number): number {
  return 1e6 / opsPerSecond(fn, ms, 20);
}

export const suite: BenchSuite = {
  name: "rtp",
  async run({ quick }) {
    const ms = quick ? 200 : 600;
    const au = keyframe(100_000);
    const auBuffer = Buffer.from(au);

    const ours = new RtpPacketizer({ payloader: new H264Payloader(), ssrc: 1, payloadType: 102, mtu: 1200 });
    const theirs = new H264Packetizer({ maxPayloadSize: 1200 - 12, ssrc: 1, payloadType: 102 });
    const oursPacketize = () => ours.packetize(au, 0);
    const theirsPacketize = () => theirs.packetize(auBuffer, 0).map((p) => p.serialize());

    const oursPackets = oursPacketize();
    const theirsPackets = theirsPacketize();
    const oursDepacketize = () => {
      const d = new H264Depacketizer();
      let out: Uint8Array | undefined;
      for (const p of oursPackets) for (const f of d.push(parseRtpPacket(p))) out = f.data;
      return out;
    };
    const theirsDepacketize = () => {
      const nalus: Buffer[] = [];
      let fragment: Buffer | undefined;
      for (const p of theirsPackets) {
        const payload = H264RtpPayload.deSerialize(RtpPacket.deSerialize(p).payload, fragment);
        fragment = payload.fragment;
        if (payload.payload) nalus.push(payload.payload);
      }
      return Buffer.concat(nalus);
    };
    // Same work: both sides' packets carry the same access unit.
    const back = oursDepacketize();
    if (!back || Buffer.compare(Buffer.from(back), auBuffer) !== 0)
      throw new Error("ours: access unit differs");
    const theirsBack = theirsDepacketize();
    if (Buffer.compare(theirsBack, auBuffer) !== 0 && theirsBack.length < au.length - 16)
      throw new Error("werift: access unit differs");

    const packet = serializeRtpPacket({
      payloadType: 96,
      sequenceNumber: 1,
      timestamp: 2,
      ssrc: 3,
      payload: new Uint8Array(1188),
    });
    const packetBuffer = Buffer.from(packet);
    const parsed = parseRtpPacket(packet);
    const theirsParsed = RtpPacket.deSerialize(packetBuffer);
    const rtcp = serializeRtcp([
      {
        type: "sr",
        ssrc: 1,
        ntpTime: 1n << 40n,
        rtpTimestamp: 1,
        packetCount: 2,
        octetCount: 3,
        reports: [
          {
            ssrc: 2,
            fractionLost: 0,
            cumulativeLost: 0,
            highestSequence: 1,
            jitter: 0,
            lastSenderReport: 0,
            delaySinceLastSenderReport: 0,
          },
        ],
      },
      { type: "sdes", chunks: [{ ssrc: 1, items: [{ type: 1, value: "purertc-bench-cname" }] }] },
    ]);
    const rtcpBuffer = Buffer.from(rtcp);
    if (RtcpPacketConverter.deSerialize(rtcpBuffer).length !== 2) throw new Error("werift: RTCP differs");

    const rows: BenchRow[] = [];
    const pair = (
      metric: string,
      unit: string,
      higherIsBetter: boolean,
      a: () => number,
      b: () => number,
    ) => {
      // Alternating rounds, best of each, so both sides see the same machine load.
      let bestA = higherIsBetter ? 0 : Number.POSITIVE_INFINITY;
      let bestB = bestA;
      for (let round = 0; round < 3; round++) {
        const x = a();
        const y = b();
        bestA = higherIsBetter ? Math.max(bestA, x) : Math.min(bestA, x);
        bestB = higherIsBetter ? Math.max(bestB, y) : Math.min(bestB, y);
      }
      rows.push({ metric, unit, ours: bestA, werift: bestB, higherIsBetter });
    };
    pair(
      "H.264 packetize (100 KB keyframe)",
      "µs",
      false,
      () => micros(oursPacketize, ms),
      () => micros(theirsPacketize, ms),
    );
    // The sender's whole per-keyframe cost: packetize, then SRTP-protect every packet (as a
    // PeerConnection's sendFrame does), for both profiles; werift: H264Packetizer + SrtpSession.encrypt.
    for (const [label, profile, weriftProfile, saltLength] of [
      ["AES-CM-HMAC-SHA1-80", "SRTP_AES128_CM_HMAC_SHA1_80", 1, 14],
      ["AEAD-AES-128-GCM", "SRTP_AEAD_AES_128_GCM", 7, 12],
    ] as const) {
      const masterKey = randomBytes(16);
      const masterSalt = randomBytes(saltLength);
      const context = new SrtpContext({ profile, masterKey, masterSalt });
      const session = new SrtpSession({
        profile: weriftProfile,
        keys: {
          localMasterKey: masterKey,
          localMasterSalt: masterSalt,
          remoteMasterKey: masterKey,
          remoteMasterSalt: masterSalt,
        },
      });
      pair(
        `H.264 packetize + SRTP protect ${label} (100 KB keyframe)`,
        "µs",
        false,
        () =>
          micros(() => {
            for (const p of ours.packetize(au, 0)) context.protectRtp(p);
          }, ms),
        () =>
          micros(() => {
            for (const p of theirs.packetize(auBuffer, 0)) session.encrypt(p.payload, p.header);
          }, ms),
      );
    }
    pair(
      "H.264 depacketize (100 KB keyframe)",
      "µs",
      false,
      () => micros(oursDepacketize, ms),
      () => micros(theirsDepacketize, ms),
    );
    pair(
      "RTP parse (1,200 B)",
      "pkt/s",
      true,
      () => opsPerSecond(() => parseRtpPacket(packet), ms),
      () => opsPerSecond(() => RtpPacket.deSerialize(packetBuffer), ms),
    );
    pair(
      "RTP serialize (1,200 B)",
      "pkt/s",
      true,
      () => opsPerSecond(() => serializeRtpPacket(parsed), ms),
      () => opsPerSecond(() => theirsParsed.serialize(), ms),
    );
    pair(
      "RTCP parse (SR + SDES)",
      "pkt/s",
      true,
      () => opsPerSecond(() => parseRtcp(rtcp), ms),
      () => opsPerSecond(() => RtcpPacketConverter.deSerialize(rtcpBuffer), ms),
    );
    let seq = 0;
    pair(
      "RTP fan-out per viewer (copy + rewrite)",
      "pkt/s",
      true,
      () =>
        opsPerSecond(() => {
          const copy = Buffer.from(packet);
          seq = (seq + 1) & 0xffff;
          rewriteRtpHeader(copy, {
            ssrc: 0xfeed,
            payloadType: 102,
            sequenceNumber: seq,
          });
        }, ms),
      () =>
        opsPerSecond(() => {
          const p = RtpPacket.deSerialize(packetBuffer);
          p.header.ssrc = 0xfeed;
          p.header.payloadType = 102;
          seq = (seq + 1) & 0xffff;
          p.header.sequenceNumber = seq;
          p.serialize();
        }, ms),
    );
    return rows;
  },
};
