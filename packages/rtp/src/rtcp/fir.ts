import { readU32, writeU32 } from "../bytes.js";
import { RtpError } from "../errors.js";
import { readFeedbackHeader, writeFeedbackHeader } from "./feedback.js";
import { badRtcp, checkU32, RtcpPacketType } from "./header.js";

/** One FIR request: the source asked for a key frame and the command sequence number (RFC 5104 §4.3.1.1). */
export interface FirEntry {
  readonly ssrc: number;
  /** 0–255, incremented by the requester for each new request. */
  readonly sequenceNumber: number;
}

/** Full intra request (RFC 5104 §4.3.1): payload-specific feedback, FMT 4. */
export interface FullIntraRequest {
  readonly type: "fir";
  readonly senderSsrc: number;
  /** 0 per RFC 5104 §4.3.1.2 (the sources are in the entries); kept as read. */
  readonly mediaSsrc: number;
  readonly entries: readonly FirEntry[];
}

/** FMT of FIR. */
export const FIR_FMT = 4;

/** Parses a FIR (`b` without padding). */
export function parseFullIntraRequest(b: Uint8Array): FullIntraRequest {
  const { senderSsrc, mediaSsrc, fci } = readFeedbackHeader(b, "FIR");
  if (fci.length % 8 !== 0) badRtcp("FIR FCI is not a multiple of 8 bytes (RFC 5104 §4.3.1.1)");
  const entries: FirEntry[] = [];
  for (let i = 0; i < fci.length; i += 8)
    entries.push({ ssrc: readU32(fci, i), sequenceNumber: fci[i + 4]! });
  return { type: "fir", senderSsrc, mediaSsrc, entries };
}

/** Size of a serialized FIR. */
export function fullIntraRequestLength(p: FullIntraRequest): number {
  return 12 + p.entries.length * 8;
}

/** Writes a FIR at `offset`. */
export function writeFullIntraRequest(out: Uint8Array, offset: number, p: FullIntraRequest): void {
  const length = fullIntraRequestLength(p);
  writeFeedbackHeader(
    out,
    offset,
    FIR_FMT,
    RtcpPacketType.PayloadFeedback,
    length,
    p.senderSsrc,
    p.mediaSsrc,
  );
  let at = offset + 12;
  for (const e of p.entries) {
    checkU32(e.ssrc, "FIR SSRC");
    if (!Number.isInteger(e.sequenceNumber) || e.sequenceNumber < 0 || e.sequenceNumber > 255)
      throw new RtpError("ERR_INVALID_ARGUMENT", `FIR sequence number ${e.sequenceNumber}`);
    writeU32(out, at, e.ssrc);
    out[at + 4] = e.sequenceNumber;
    out.fill(0, at + 5, at + 8);
    at += 8;
  }
}
