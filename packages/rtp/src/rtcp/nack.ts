import { RtpError } from "../errors.js";
import { readFeedbackHeader, writeFeedbackHeader } from "./feedback.js";
import { badRtcp, RtcpPacketType } from "./header.js";

/** Generic NACK (RFC 4585 §6.2.1): transport-layer feedback, FMT 1, listing lost RTP sequence numbers. */
export interface GenericNack {
  readonly type: "nack";
  readonly senderSsrc: number;
  /** The media source whose packets are lost. */
  readonly mediaSsrc: number;
  /** Lost sequence numbers, in the order the FCI lists them (PID, then the BLP bits low to high). */
  readonly lost: readonly number[];
}

/** FMT of generic NACK. */
export const NACK_FMT = 1;

/** Parses a generic NACK (`b` without padding). */
export function parseGenericNack(b: Uint8Array): GenericNack {
  const { senderSsrc, mediaSsrc, fci } = readFeedbackHeader(b, "generic NACK");
  if (fci.length % 4 !== 0) badRtcp("generic NACK FCI is not a multiple of 4 bytes (RFC 4585 §6.2.1)");
  const lost: number[] = [];
  for (let i = 0; i < fci.length; i += 4) {
    const pid = (fci[i]! << 8) | fci[i + 1]!;
    const blp = (fci[i + 2]! << 8) | fci[i + 3]!;
    lost.push(pid);
    for (let bit = 0; bit < 16; bit++) if (blp & (1 << bit)) lost.push((pid + bit + 1) & 0xffff);
  }
  return { type: "nack", senderSsrc, mediaSsrc, lost };
}

/** Groups sequence numbers into PID/BLP pairs: each number joins the current pair when within its 16 followers. */
function toPairs(lost: readonly number[]): number[] {
  const pairs: number[] = [];
  let pid = -1;
  let blp = 0;
  for (const seq of lost) {
    if (!Number.isInteger(seq) || seq < 0 || seq > 0xffff)
      throw new RtpError("ERR_INVALID_ARGUMENT", `sequence number ${seq}`);
    if (pid >= 0) {
      if (seq === pid) continue;
      const d = (seq - pid) & 0xffff;
      if (d >= 1 && d <= 16) {
        blp |= 1 << (d - 1);
        continue;
      }
      pairs.push(pid, blp);
    }
    pid = seq;
    blp = 0;
  }
  if (pid >= 0) pairs.push(pid, blp);
  return pairs;
}

/** Size of a serialized generic NACK. */
export function genericNackLength(p: GenericNack): number {
  return 12 + toPairs(p.lost).length * 2;
}

/** Writes a generic NACK at `offset`. */
export function writeGenericNack(out: Uint8Array, offset: number, p: GenericNack): void {
  const pairs = toPairs(p.lost);
  const length = 12 + pairs.length * 2;
  writeFeedbackHeader(
    out,
    offset,
    NACK_FMT,
    RtcpPacketType.TransportFeedback,
    length,
    p.senderSsrc,
    p.mediaSsrc,
  );
  for (let i = 0, at = offset + 12; i < pairs.length; i += 2, at += 4) {
    out[at] = pairs[i]! >>> 8;
    out[at + 1] = pairs[i]! & 0xff;
    out[at + 2] = pairs[i + 1]! >>> 8;
    out[at + 3] = pairs[i + 1]! & 0xff;
  }
}
