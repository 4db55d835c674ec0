import { readU32, writeU32 } from "../bytes.js";
import { RtpError } from "../errors.js";
import { checkU32 } from "./header.js";

/** A reception report block of an SR or RR (RFC 3550 §6.4.1). */
export interface ReportBlock {
  /** The source this block reports on. */
  readonly ssrc: number;
  /** Fraction of packets lost since the last report, in 1/256 units (0–255). */
  readonly fractionLost: number;
  /** Cumulative number of packets lost: signed 24-bit (duplicates can make it negative). */
  readonly cumulativeLost: number;
  /** Extended highest sequence number received (cycles << 16 | highest). */
  readonly highestSequence: number;
  /** Interarrival jitter, in timestamp units (RFC 3550 §6.4.1, A.8). */
  readonly jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received from the source (LSR), or 0. */
  readonly lastSenderReport: number;
  /** Delay since that SR, in 1/65536 s (DLSR), or 0. */
  readonly delaySinceLastSenderReport: number;
}

/** Size of a report block. */
export const REPORT_BLOCK_SIZE = 24;

/** Reads a report block at `offset` (the caller checked 24 bytes are there). */
export function readReportBlock(b: Uint8Array, offset: number): ReportBlock {
  const lost = (b[offset + 5]! << 16) | (b[offset + 6]! << 8) | b[offset + 7]!;
  return {
    ssrc: readU32(b, offset),
    fractionLost: b[offset + 4]!,
    cumulativeLost: lost & 0x800000 ? lost - 0x1000000 : lost,
    highestSequence: readU32(b, offset + 8),
    jitter: readU32(b, offset + 12),
    lastSenderReport: readU32(b, offset + 16),
    delaySinceLastSenderReport: readU32(b, offset + 20),
  };
}

/** Writes a report block at `offset`. Cumulative loss is clamped to the 24-bit signed range (RFC 3550 §6.4.1). */
export function writeReportBlock(b: Uint8Array, offset: number, r: ReportBlock): void {
  checkU32(r.ssrc, "report SSRC");
  if (!Number.isInteger(r.fractionLost) || r.fractionLost < 0 || r.fractionLost > 255)
    throw new RtpError("ERR_INVALID_ARGUMENT", `fraction lost ${r.fractionLost}`);
  if (!Number.isInteger(r.cumulativeLost)) throw new RtpError("ERR_INVALID_ARGUMENT", "cumulative lost");
  checkU32(r.highestSequence, "highest sequence");
  checkU32(r.jitter, "jitter");
  checkU32(r.lastSenderReport, "LSR");
  checkU32(r.delaySinceLastSenderReport, "DLSR");
  const lost = Math.max(-0x800000, Math.min(0x7fffff, r.cumulativeLost)) & 0xffffff;
  writeU32(b, offset, r.ssrc);
  b[offset + 4] = r.fractionLost;
  b[offset + 5] = lost >>> 16;
  b[offset + 6] = (lost >>> 8) & 0xff;
  b[offset + 7] = lost & 0xff;
  writeU32(b, offset + 8, r.highestSequence);
  writeU32(b, offset + 12, r.jitter);
  writeU32(b, offset + 16, r.lastSenderReport);
  writeU32(b, offset + 20, r.delaySinceLastSenderReport);
}
