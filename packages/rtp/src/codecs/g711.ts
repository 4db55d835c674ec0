import { RtpError } from "../errors.js";
import type { Payloader } from "./payloader.js";
import { WholePacketDepacketizer } from "./whole-packet.js";

/**
 * G.711 (PCMU, static payload type 0; PCMA, 8) of RFC 3551 §4.5.14: one octet per sample at 8000 Hz, a frame
 * of samples per packet. Never split: every packet of a frame shares its RTP timestamp, and a split G.711
 * frame would need one per part. IP cameras send 20–40 ms (160–320 bytes) a packet.
 */
export class G711Payloader implements Payloader {
  /** Audio: the marker bit flags a talkspurt's first packet. */
  readonly audio = true;

  /**
   * @throws RtpError `ERR_INVALID_ARGUMENT` for an empty frame or one larger than the budget
   */
  payload(frame: Uint8Array | readonly Uint8Array[], maxPayloadSize: number): Uint8Array[] {
    const data = frame instanceof Uint8Array ? frame : Buffer.concat(frame as Uint8Array[]);
    if (data.length === 0) throw new RtpError("ERR_INVALID_ARGUMENT", "empty G.711 frame");
    if (data.length > maxPayloadSize)
      throw new RtpError(
        "ERR_INVALID_ARGUMENT",
        `G.711 frame of ${data.length} bytes over the budget (RFC 3551 §4.5.14: send shorter frames)`,
      );
    return [data];
  }
}

/** G.711 frames from RTP: every packet's payload is a frame of samples (RFC 3551 §4.5.14). */
export class G711Depacketizer extends WholePacketDepacketizer {}
