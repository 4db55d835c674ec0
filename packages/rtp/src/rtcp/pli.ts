import { readFeedbackHeader, writeFeedbackHeader } from "./feedback.js";
import { RtcpPacketType } from "./header.js";

/** Picture loss indication (RFC 4585 §6.3.1): payload-specific feedback, FMT 1, no FCI. */
export interface PictureLossIndication {
  readonly type: "pli";
  readonly senderSsrc: number;
  /** The media source that should send a key frame. */
  readonly mediaSsrc: number;
}

/** FMT of PLI. */
export const PLI_FMT = 1;

/** Parses a PLI (`b` without padding); an FCI, which PLI does not have, is ignored. */
export function parsePictureLossIndication(b: Uint8Array): PictureLossIndication {
  const { senderSsrc, mediaSsrc } = readFeedbackHeader(b, "PLI");
  return { type: "pli", senderSsrc, mediaSsrc };
}

/** Writes a PLI (12 bytes) at `offset`. */
export function writePictureLossIndication(out: Uint8Array, offset: number, p: PictureLossIndication): void {
  writeFeedbackHeader(out, offset, PLI_FMT, RtcpPacketType.PayloadFeedback, 12, p.senderSsrc, p.mediaSsrc);
}
