import { RtpError } from "../errors.js";

/** The VP8 payload descriptor (RFC 7741 §4.2). Absent optional fields are undefined. */
export interface Vp8Descriptor {
  /** N: a non-reference frame (may be discarded). */
  readonly nonReference: boolean;
  /** S: the packet starts a VP8 partition. */
  readonly start: boolean;
  /** PID: the partition index (0–7). */
  readonly partitionIndex: number;
  /** 7- or 15-bit picture ID (I). */
  readonly pictureId: number | undefined;
  /** True when the picture ID was sent in 15 bits (M). */
  readonly pictureIdLong: boolean;
  /** TL0PICIDX (L). */
  readonly tl0PicIdx: number | undefined;
  /** TID (T), the temporal layer index. */
  readonly temporalLayer: number | undefined;
  /** Y (with T): layer sync. */
  readonly layerSync: boolean;
  /** KEYIDX (K). */
  readonly keyIndex: number | undefined;
  /** Bytes the descriptor takes at the start of the payload. */
  readonly length: number;
}

/**
 * Parses the VP8 payload descriptor at the start of an RTP payload (RFC 7741 §4.2), extended fields included.
 * @throws RtpError `ERR_BAD_PAYLOAD` when the payload ends inside the descriptor or holds no VP8 data after it
 */
export function parseVp8Descriptor(payload: Uint8Array): Vp8Descriptor {
  const n = payload.length;
  const need = (i: number) => {
    if (i >= n)
      throw new RtpError("ERR_BAD_PAYLOAD", "VP8 payload ends inside its descriptor (RFC 7741 §4.2)");
    return payload[i]!;
  };
  const b0 = need(0);
  let i = 1;
  let pictureId: number | undefined;
  let pictureIdLong = false;
  let tl0PicIdx: number | undefined;
  let temporalLayer: number | undefined;
  let layerSync = false;
  let keyIndex: number | undefined;
  if (b0 & 0x80) {
    const x = need(i++);
    if (x & 0x80) {
      const p = need(i++);
      if (p & 0x80) {
        pictureIdLong = true;
        pictureId = ((p & 0x7f) << 8) | need(i++);
      } else pictureId = p;
    }
    if (x & 0x40) tl0PicIdx = need(i++);
    if (x & 0x30) {
      const t = need(i++);
      if (x & 0x20) {
        temporalLayer = t >> 6;
        layerSync = (t & 0x20) !== 0;
      }
      if (x & 0x10) keyIndex = t & 0x1f;
    }
  }
  if (i >= n)
    throw new RtpError("ERR_BAD_PAYLOAD", "VP8 payload without data after its descriptor (RFC 7741 §4.2)");
  return {
    nonReference: (b0 & 0x20) !== 0,
    start: (b0 & 0x10) !== 0,
    partitionIndex: b0 & 0x07,
    pictureId,
    pictureIdLong,
    tl0PicIdx,
    temporalLayer,
    layerSync,
    keyIndex,
    length: i,
  };
}

/** What the first bytes of a VP8 frame say (RFC 6386 §9.1, RFC 7741 §4.3). */
export interface Vp8FrameHeader {
  /** P bit clear: an intra frame. */
  readonly keyframe: boolean;
  /** Width in pixels (key frames only). */
  readonly width: number | undefined;
  /** Height in pixels (key frames only). */
  readonly height: number | undefined;
  /** show_frame. */
  readonly show: boolean;
}

/**
 * Reads the frame tag of a VP8 frame and, for a key frame, its start code and dimensions (RFC 6386 §9.1).
 * @throws RtpError `ERR_BAD_BITSTREAM` for a frame shorter than its tag or a key frame without start code
 */
export function parseVp8FrameHeader(frame: Uint8Array): Vp8FrameHeader {
  if (frame.length < 3)
    throw new RtpError("ERR_BAD_BITSTREAM", "VP8 frame shorter than its 3-byte tag (RFC 6386 §9.1)");
  const keyframe = (frame[0]! & 0x01) === 0;
  const show = (frame[0]! & 0x10) !== 0;
  if (!keyframe) return { keyframe, width: undefined, height: undefined, show };
  if (frame.length < 10 || frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a)
    throw new RtpError("ERR_BAD_BITSTREAM", "VP8 key frame without its start code 9d 01 2a (RFC 6386 §9.1)");
  return {
    keyframe,
    width: (frame[6]! | (frame[7]! << 8)) & 0x3fff,
    height: (frame[8]! | (frame[9]! << 8)) & 0x3fff,
    show,
  };
}
