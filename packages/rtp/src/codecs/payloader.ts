/**
 * A payload format's send half: cuts one encoded frame into RTP payloads of at most `maxPayloadSize` bytes. The
 * last payload of a frame is sent with the marker bit set.
 */
export interface Payloader {
  /**
   * @param frame - the encoded frame (for H.264: an Annex-B access unit, or its NAL units)
   * @param maxPayloadSize - the budget of one RTP payload, in bytes
   */
  payload(frame: Uint8Array | readonly Uint8Array[], maxPayloadSize: number): Uint8Array[];
}
