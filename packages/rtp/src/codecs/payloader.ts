/**
 * A payload format's send half: cuts one encoded frame into RTP payloads of at most `maxPayloadSize` bytes. The
 * last payload of a frame is sent with the marker bit set.
 */
export interface Payloader {
  /**
   * True for audio formats: the marker bit then flags the first packet of a talkspurt (RFC 3551 §4.1), here the
   * stream's first packet, instead of the last packet of a frame.
   */
  readonly audio?: boolean;
  /**
   * @param frame - the encoded frame (for H.264: an Annex-B access unit, or its NAL units)
   * @param maxPayloadSize - the budget of one RTP payload, in bytes
   */
  payload(frame: Uint8Array | readonly Uint8Array[], maxPayloadSize: number): Uint8Array[];
}
