import { readU32, writeU32 } from "../bytes.js";
import { RtpError } from "../errors.js";
import { badRtcp, checkU32, RtcpPacketType, writeRtcpHeader } from "./header.js";
import { REPORT_BLOCK_SIZE, type ReportBlock, readReportBlock, writeReportBlock } from "./report-block.js";

/** A receiver report (RFC 3550 §6.4.2). */
export interface ReceiverReport {
  readonly type: "rr";
  /** SSRC of the reporter. */
  readonly ssrc: number;
  /** Up to 31 reception report blocks. */
  readonly reports: readonly ReportBlock[];
  /** Profile-specific extension bytes after the report blocks (usually empty). */
  readonly extension?: Uint8Array;
}

/** Parses an RR (`b` is the whole packet without padding, `count` the RC field). */
export function parseReceiverReport(b: Uint8Array, count: number): ReceiverReport {
  if (b.length < 8 + count * REPORT_BLOCK_SIZE)
    badRtcp(`RR with ${count} report blocks is too short (RFC 3550 §6.4.2)`);
  const reports: ReportBlock[] = [];
  for (let i = 0; i < count; i++) reports.push(readReportBlock(b, 8 + i * REPORT_BLOCK_SIZE));
  const ext = b.subarray(8 + count * REPORT_BLOCK_SIZE);
  return { type: "rr", ssrc: readU32(b, 4), reports, ...(ext.length > 0 ? { extension: ext } : {}) };
}

/** Size of a serialized RR. */
export function receiverReportLength(p: ReceiverReport): number {
  return 8 + p.reports.length * REPORT_BLOCK_SIZE + (p.extension?.length ?? 0);
}

/** Writes an RR at `offset`. */
export function writeReceiverReport(out: Uint8Array, offset: number, p: ReceiverReport): void {
  if ((p.extension?.length ?? 0) % 4 !== 0)
    throw new RtpError("ERR_INVALID_ARGUMENT", "RR extension not 32-bit aligned");
  checkU32(p.ssrc, "SSRC");
  writeRtcpHeader(out, offset, p.reports.length, RtcpPacketType.ReceiverReport, receiverReportLength(p));
  writeU32(out, offset + 4, p.ssrc);
  for (let i = 0; i < p.reports.length; i++)
    writeReportBlock(out, offset + 8 + i * REPORT_BLOCK_SIZE, p.reports[i]!);
  if (p.extension) out.set(p.extension, offset + 8 + p.reports.length * REPORT_BLOCK_SIZE);
}
