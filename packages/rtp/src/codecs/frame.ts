export { RESTART_DISTANCE, sequenceDelta } from "../sequence.js";

/** Counters a depacketizer keeps. */
export interface DepacketizerStats {
  /** RTP packets given to `push` (duplicates and late packets included). */
  packets: number;
  /** Packets missing by sequence number (RFC 3550 §A.3 style: gaps between consecutive pushed packets). */
  packetsLost: number;
  /** Duplicate or late packets ignored (sequence number at or behind the last one). */
  packetsDiscarded: number;
  /** Packets whose payload was malformed or unsupported for the format; they damage the frame they are in. */
  packetsMalformed: number;
  /** Frames returned by `push` / `flush`. */
  frames: number;
  /** Frames dropped: incomplete (with `dropIncomplete`), over the size bound, or before the first key frame. */
  framesDropped: number;
}

/** What every depacketizer returns: one reassembled frame (an access unit for H.264). */
export interface MediaFrame {
  /** The frame's bytes (Annex-B for H.264, the VP8 frame, the Opus packet). */
  readonly data: Uint8Array;
  /** RTP timestamp of the frame. */
  readonly timestamp: number;
  /** True for an H.264 IDR access unit or a VP8 key frame (always true for audio). */
  readonly keyframe: boolean;
  /** False when packets of the frame were lost or malformed (only returned with `dropIncomplete: false`). */
  readonly complete: boolean;
}

/** Returned when a push completes no frame: shared, frozen, allocation-free. */
export const NO_FRAMES: readonly never[] = Object.freeze([]);

export function newStats(): DepacketizerStats {
  return {
    packets: 0,
    packetsLost: 0,
    packetsDiscarded: 0,
    packetsMalformed: 0,
    frames: 0,
    framesDropped: 0,
  };
}
