import { RtpError } from "../errors.js";
import { type Goodbye, goodbyeLength, parseGoodbye, writeGoodbye } from "./bye.js";
import {
  FIR_FMT,
  type FullIntraRequest,
  fullIntraRequestLength,
  parseFullIntraRequest,
  writeFullIntraRequest,
} from "./fir.js";
import { RtcpPacketType, writeRtcpHeader } from "./header.js";
import { type GenericNack, genericNackLength, NACK_FMT, parseGenericNack, writeGenericNack } from "./nack.js";
import {
  type PictureLossIndication,
  PLI_FMT,
  parsePictureLossIndication,
  writePictureLossIndication,
} from "./pli.js";
import {
  parseReceiverReport,
  type ReceiverReport,
  receiverReportLength,
  writeReceiverReport,
} from "./receiver-report.js";
import {
  parseSourceDescription,
  type SourceDescription,
  sourceDescriptionLength,
  writeSourceDescription,
} from "./sdes.js";
import {
  parseSenderReport,
  type SenderReport,
  senderReportLength,
  writeSenderReport,
} from "./sender-report.js";

/**
 * An RTCP packet of a type this package does not decode (APP, XR, REMB, transport-wide feedback, …), kept
 * whole so it can be passed on.
 */
export interface UnknownRtcpPacket {
  readonly type: "unknown";
  /** The packet type byte (200–255 minus the decoded ones, or a feedback type with another FMT). */
  readonly packetType: number;
  /** The 5-bit count / FMT field. */
  readonly count: number;
  /** The bytes after the 4-byte header, without padding (a view). */
  readonly body: Uint8Array;
}

/** Every RTCP packet {@link parseRtcp} returns, told apart by `type`. */
export type RtcpPacket =
  | SenderReport
  | ReceiverReport
  | SourceDescription
  | Goodbye
  | GenericNack
  | PictureLossIndication
  | FullIntraRequest
  | UnknownRtcpPacket;

/**
 * Parses a compound RTCP packet (RFC 3550 §6.1) into its packets. The validity checks of RFC 3550 §A.2 apply
 * (version 2, lengths that add up, padding only on the last packet) but not the rule that a compound packet
 * starts with an SR or RR: reduced-size RTCP (RFC 5506) sends a lone feedback packet.
 * @throws RtpError `ERR_TOO_SHORT`, `ERR_BAD_VERSION`, `ERR_BAD_PADDING`, `ERR_BAD_RTCP`
 */
export function parseRtcp(bytes: Uint8Array): RtcpPacket[] {
  if (bytes.length < 4)
    throw new RtpError("ERR_TOO_SHORT", `RTCP packet of ${bytes.length} bytes (RFC 3550 §6.4.1)`);
  const out: RtcpPacket[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (offset + 4 > bytes.length)
      throw new RtpError("ERR_TOO_SHORT", "RTCP header overruns the compound packet");
    const b0 = bytes[offset]!;
    if (b0 >> 6 !== 2)
      throw new RtpError("ERR_BAD_VERSION", `RTCP version ${b0 >> 6}, not 2 (RFC 3550 §6.4.1)`);
    const length = (((bytes[offset + 2]! << 8) | bytes[offset + 3]!) + 1) * 4;
    const end = offset + length;
    if (end > bytes.length)
      throw new RtpError("ERR_TOO_SHORT", "RTCP length overruns the compound packet (RFC 3550 §6.4.1)");
    let body = bytes.subarray(offset, end);
    if (b0 & 0x20) {
      if (end !== bytes.length)
        throw new RtpError(
          "ERR_BAD_PADDING",
          "padding on an RTCP packet that is not the last (RFC 3550 §6.4.1)",
        );
      const padding = bytes[end - 1]!;
      if (padding === 0 || padding > length - 4)
        throw new RtpError("ERR_BAD_PADDING", `RTCP padding count ${padding} (RFC 3550 §6.4.1)`);
      body = body.subarray(0, length - padding);
    }
    out.push(parseOne(body, b0 & 0x1f, bytes[offset + 1]!));
    offset = end;
  }
  return out;
}

function parseOne(b: Uint8Array, count: number, type: number): RtcpPacket {
  switch (type) {
    case RtcpPacketType.SenderReport:
      return parseSenderReport(b, count);
    case RtcpPacketType.ReceiverReport:
      return parseReceiverReport(b, count);
    case RtcpPacketType.SourceDescription:
      return parseSourceDescription(b, count);
    case RtcpPacketType.Goodbye:
      return parseGoodbye(b, count);
    case RtcpPacketType.TransportFeedback:
      if (count === NACK_FMT) return parseGenericNack(b);
      break;
    case RtcpPacketType.PayloadFeedback:
      if (count === PLI_FMT) return parsePictureLossIndication(b);
      if (count === FIR_FMT) return parseFullIntraRequest(b);
      break;
  }
  return { type: "unknown", packetType: type, count, body: b.subarray(4) };
}

function lengthOf(p: RtcpPacket): number {
  switch (p.type) {
    case "sr":
      return senderReportLength(p);
    case "rr":
      return receiverReportLength(p);
    case "sdes":
      return sourceDescriptionLength(p);
    case "bye":
      return goodbyeLength(p);
    case "nack":
      return genericNackLength(p);
    case "pli":
      return 12;
    case "fir":
      return fullIntraRequestLength(p);
    case "unknown":
      return 4 + p.body.length;
  }
}

/**
 * Serializes RTCP packets as one compound packet (no padding). RFC 3550 wants an SR or RR first and an SDES
 * with a CNAME in every compound packet; RFC 5506 allows a lone feedback packet: the caller chooses.
 * @throws RtpError `ERR_INVALID_ARGUMENT` for out-of-range fields or more than 31 report blocks
 */
export function serializeRtcp(packets: readonly RtcpPacket[]): Uint8Array {
  const lengths = packets.map(lengthOf);
  const out = new Uint8Array(lengths.reduce((a, b) => a + b, 0));
  let offset = 0;
  packets.forEach((p, i) => {
    writeOne(out, offset, p);
    offset += lengths[i]!;
  });
  return out;
}

function writeOne(out: Uint8Array, offset: number, p: RtcpPacket): void {
  switch (p.type) {
    case "sr":
      writeSenderReport(out, offset, p);
      break;
    case "rr":
      writeReceiverReport(out, offset, p);
      break;
    case "sdes":
      writeSourceDescription(out, offset, p);
      break;
    case "bye":
      writeGoodbye(out, offset, p);
      break;
    case "nack":
      writeGenericNack(out, offset, p);
      break;
    case "pli":
      writePictureLossIndication(out, offset, p);
      break;
    case "fir":
      writeFullIntraRequest(out, offset, p);
      break;
    case "unknown":
      if (p.body.length % 4 !== 0 || p.packetType < 0 || p.packetType > 255)
        throw new RtpError("ERR_INVALID_ARGUMENT", "unknown RTCP packet body not 32-bit aligned");
      writeRtcpHeader(out, offset, p.count, p.packetType, 4 + p.body.length);
      out.set(p.body, offset + 4);
  }
}
