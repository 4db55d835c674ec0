/**
 * Fuzz targets for the media parsers (@purertc/rtp, @purertc/srtp), through
 * their public APIs: RTP packets with header extensions, RTCP compounds, the
 * H.264 and VP8 depacketizers (stateful: each case goes through one
 * long-lived depacketizer, as a hostile stream would), the H.264 SPS, and
 * SRTP/SRTCP unprotect with both profile kinds. Seeds are packets our own
 * packetizers and protectors make, and the RTCP compounds of test-vectors/rtp.
 */

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { FuzzTarget } from "@purertc/dtls/fuzz";
import {
  H264Depacketizer,
  H264Payloader,
  parseH264Sps,
  parseHeaderExtensions,
  parseRtcp,
  parseRtpPacket,
  parseVp8Descriptor,
  RtpError,
  serializeRtpPacket,
  Vp8Depacketizer,
  Vp8Payloader,
} from "@purertc/rtp";
import { SrtpContext, SrtpError, type SrtpProfileName } from "@purertc/srtp";

const isRtpError = (e: unknown) => e instanceof RtpError;
const RTP_VECTORS = fileURLToPath(new URL("../../../../test-vectors/rtp/", import.meta.url));

// A 320x240 baseline SPS and a PPS (as libx264 writes them), an IDR slice start and a P slice start.
const SPS = Uint8Array.from(Buffer.from("6742c00d8c8d40a0fd00f0884535", "hex"));
const PPS = Uint8Array.from(Buffer.from("68ce3c80", "hex"));
const IDR = Uint8Array.from([0x65, 0x88, 0x84, ...new Array<number>(3000).fill(0x5a)]);
const P_SLICE = Uint8Array.from([0x41, 0x9a, 0x02, ...new Array<number>(700).fill(0x33)]);

function rtp(
  payload: Uint8Array,
  seq: number,
  marker: boolean,
  pt: number,
  withExtension = false,
): Uint8Array {
  return serializeRtpPacket({
    payloadType: pt,
    sequenceNumber: seq,
    timestamp: 90_000 + seq * 3000,
    ssrc: 0x1234_5678,
    marker,
    payload,
    // RFC 8285 one-byte extensions: mid (id 1, "0") and abs-send-time (id 2).
    extension: withExtension
      ? { profile: 0xbede, data: Uint8Array.from([0x10, 0x30, 0x22, 1, 2, 3, 0, 0]) }
      : undefined,
  });
}

function h264Packets(): Uint8Array[] {
  const payloader = new H264Payloader({ parameterSets: [SPS, PPS] });
  const out: Uint8Array[] = [];
  let seq = 1;
  for (const frame of [[SPS, PPS, IDR], [P_SLICE], [Uint8Array.from([0x41, 0x9a, 7, 7])]]) {
    const payloads = payloader.payload(frame, 1100);
    for (const [i, p] of payloads.entries())
      out.push(rtp(p, seq++, i === payloads.length - 1, 102, seq % 2 === 0));
  }
  return out;
}

function vp8Packets(): Uint8Array[] {
  const payloader = new Vp8Payloader();
  // A key frame header (frame tag, start code 9d 01 2a, 320x240) then filler, and an inter frame.
  const key = Uint8Array.from([
    0x10,
    0x02,
    0x00,
    0x9d,
    0x01,
    0x2a,
    0x40,
    0x01,
    0xf0,
    0x00,
    ...new Array(2500).fill(1),
  ]);
  const inter = Uint8Array.from([0x31, 0x01, 0x00, ...new Array(400).fill(2)]);
  const out: Uint8Array[] = [];
  let seq = 1;
  for (const frame of [key, inter]) {
    const payloads = payloader.payload(frame, 1100);
    for (const [i, p] of payloads.entries()) out.push(rtp(p, seq++, i === payloads.length - 1, 96));
  }
  return out;
}

/** The RTCP compounds of test-vectors/rtp (an SR + SDES; RR, NACK, PLI, FIR and BYE). */
function rtcpSeeds(): Uint8Array[] {
  return ["rtcp-sr-sdes.hex", "rtcp-rr-nack-pli-fir-bye.hex"].map(
    (name) => new Uint8Array(Buffer.from(readFileSync(RTP_VECTORS + name, "utf8").trim(), "hex")),
  );
}

function srtpTarget(profile: SrtpProfileName): FuzzTarget {
  const keys = {
    profile,
    masterKey: new Uint8Array(profile.includes("256") ? 32 : 16).fill(7),
    masterSalt: new Uint8Array(profile.includes("GCM") ? 12 : 14).fill(9),
  };
  const sender = new SrtpContext(keys);
  const receiver = new SrtpContext(keys);
  const rtcp = rtcpSeeds();
  const seeds = [
    ...h264Packets().map((p) => sender.protectRtp(p)),
    ...rtcp.map((p) => sender.protectRtcp(p)),
  ];
  return {
    name: `SRTP/SRTCP unprotect (${profile})`,
    seeds,
    run(b) {
      // Demultiplexed as RFC 7983 / RFC 5761 do: payload types 64-95 are RTCP.
      if (b.length > 1 && b[1]! >= 192 && b[1]! <= 223) receiver.unprotectRtcp(b);
      else receiver.unprotectRtp(b);
    },
    expected: (e) => e instanceof SrtpError,
  };
}

/** The media parsers' fuzz targets. */
export function mediaTargets(): FuzzTarget[] {
  const h264 = new H264Depacketizer({ parameterSets: [SPS, PPS] });
  const vp8 = new Vp8Depacketizer();
  const h264Seeds = h264Packets();
  const vp8Seeds = vp8Packets();
  return [
    {
      name: "RTP packet (parseRtpPacket + RFC 8285 header extensions)",
      seeds: [...h264Seeds, ...vp8Seeds],
      run(b) {
        const p = parseRtpPacket(b);
        if (p.extension) parseHeaderExtensions(p.extension);
      },
      expected: isRtpError,
    },
    {
      name: "RTCP compound (parseRtcp)",
      seeds: rtcpSeeds(),
      run: (b) => void parseRtcp(b),
      expected: isRtpError,
    },
    {
      name: "H.264 depacketizer (single NAL, STAP-A, FU-A; one long-lived stream)",
      seeds: h264Seeds,
      run: (b) => void h264.push(parseRtpPacket(b)),
      expected: isRtpError,
    },
    {
      name: "H.264 SPS (parseH264Sps)",
      seeds: [SPS],
      run: (b) => void parseH264Sps(b),
      expected: isRtpError,
    },
    {
      name: "VP8 depacketizer + payload descriptor (one long-lived stream)",
      seeds: vp8Seeds,
      run(b) {
        const p = parseRtpPacket(b);
        parseVp8Descriptor(p.payload);
        vp8.push(p);
      },
      expected: isRtpError,
    },
    srtpTarget("SRTP_AES128_CM_HMAC_SHA1_80"),
    srtpTarget("SRTP_AEAD_AES_128_GCM"),
  ];
}
