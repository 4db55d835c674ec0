import { readU32, writeU32 } from "../bytes.js";
import { RtpError } from "../errors.js";
import { badRtcp, checkU32, RtcpPacketType, writeRtcpHeader } from "./header.js";
import { REPORT_BLOCK_SIZE, type ReportBlock, readReportBlock, writeReportBlock } from "./report-block.js";

/** A sender report (RFC 3550 §6.4.1). */
export interface SenderReport {
  readonly type: "sr";
  readonly ssrc: number;
  /** 64-bit NTP timestamp of the report (seconds since 1900 << 32 | fraction). */
  readonly ntpTime: bigint;
  /** The same instant in the stream's RTP timestamp units. */
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  readonly octetCount: number;
  /** Up to 31 reception report blocks. */
  readonly reports: readonly ReportBlock[];
  /** Profile-specific extension bytes after the report blocks (usually empty). */
  readonly extension?: Uint8Array;
}

/** Parses an SR body (`b` is the whole packet without padding, `count` the RC field). */
export function parseSenderReport(b: Uint8Array, count: number): SenderReport {
  if (b.length < 28 + count * REPORT_BLOCK_SIZE)
    badRtcp(`SR with ${count} report blocks is too short (RFC 3550 §6.4.1)`);
  const reports: ReportBlock[] = [];
  for (let i = 0; i < count; i++) reports.push(readReportBlock(b, 28 + i * REPORT_BLOCK_SIZE));
  const ext = b.subarray(28 + count * REPORT_BLOCK_SIZE);
  return {
    type: "sr",
    ssrc: readU32(b, 4),
    ntpTime: (BigInt(readU32(b, 8)) << 32n) | BigInt(readU32(b, 12)),
    rtpTimestamp: readU32(b, 16),
    packetCount: readU32(b, 20),
    octetCount: readU32(b, 24),
    reports,
    ...(ext.length > 0 ? { extension: ext } : {}),
  };
}

/** Size of a serialized SR. */
export function senderReportLength(p: SenderReport): number {
  return 28 + p.reports.length * REPORT_BLOCK_SIZE + (p.extension?.length ?? 0);
}

/** Writes an SR at `offset`. */
export function writeSenderReport(out: Uint8Array, offset: number, p: SenderReport): void {
  if (p.ntpTime < 0n || p.ntpTime > 0xffffffffffffffffn)
    throw new RtpError("ERR_INVALID_ARGUMENT", "NTP time");
  if ((p.extension?.length ?? 0) % 4 !== 0)
    throw new RtpError("ERR_INVALID_ARGUMENT", "SR extension not 32-bit aligned");
  checkU32(p.ssrc, "SSRC");
  checkU32(p.rtpTimestamp, "RTP timestamp");
  checkU32(p.packetCount, "packet count");
  checkU32(p.octetCount, "octet count");
  writeRtcpHeader(out, offset, p.reports.length, RtcpPacketType.SenderReport, senderReportLength(p));
  writeU32(out, offset + 4, p.ssrc);
  writeU32(out, offset + 8, Number(p.ntpTime >> 32n));
  writeU32(out, offset + 12, Number(p.ntpTime & 0xffffffffn));
  writeU32(out, offset + 16, p.rtpTimestamp);
  writeU32(out, offset + 20, p.packetCount);
  writeU32(out, offset + 24, p.octetCount);
  for (let i = 0; i < p.reports.length; i++)
    writeReportBlock(out, offset + 28 + i * REPORT_BLOCK_SIZE, p.reports[i]!);
  if (p.extension) out.set(p.extension, offset + 28 + p.reports.length * REPORT_BLOCK_SIZE);
}
