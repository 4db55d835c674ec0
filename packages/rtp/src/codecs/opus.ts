import { RtpError } from "../errors.js";
import type { Payloader } from "./payloader.js";
import { WholePacketDepacketizer } from "./whole-packet.js";

/**
 * The Opus packetizer of RFC 7587 §4.2: one Opus packet per RTP payload, never fragmented (an Opus packet is at
 * most 1275 bytes per frame, RFC 6716 §3.4).
 */
export class OpusPayloader implements Payloader {
  /** Audio: the marker bit flags a talkspurt's first packet. */
  readonly audio = true;

  /**
   * @throws RtpError `ERR_INVALID_ARGUMENT` for an empty packet or one larger than the budget
   */
  payload(frame: Uint8Array | readonly Uint8Array[], maxPayloadSize: number): Uint8Array[] {
    const data = frame instanceof Uint8Array ? frame : Buffer.concat(frame as Uint8Array[]);
    if (data.length === 0) throw new RtpError("ERR_INVALID_ARGUMENT", "empty Opus packet");
    if (data.length > maxPayloadSize)
      throw new RtpError(
        "ERR_INVALID_ARGUMENT",
        `Opus packet of ${data.length} bytes over the budget (RFC 7587 §4.2)`,
      );
    return [data];
  }
}

/** Samples (at 48 kHz) per frame of each TOC config (RFC 6716 §3.1, Table 2). */
const FRAME_SAMPLES = [
  480, 960, 1920, 2880, 480, 960, 1920, 2880, 480, 960, 1920, 2880, 480, 960, 480, 960, 120, 240, 480, 960,
  120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960,
];

/**
 * The duration of an Opus packet in 48 kHz samples, from its TOC byte and frame count (RFC 6716 §3.1–3.2);
 * what an Ogg muxer needs for granule positions.
 * @throws RtpError `ERR_BAD_PAYLOAD` for an empty packet, a code-3 packet without its count byte, or over 120 ms
 */
export function opusPacketSamples(packet: Uint8Array): number {
  if (packet.length === 0) throw new RtpError("ERR_BAD_PAYLOAD", "empty Opus packet (RFC 6716 §3.1)");
  const toc = packet[0]!;
  const code = toc & 0x03;
  let frames: number;
  if (code === 0) frames = 1;
  else if (code === 1 || code === 2) frames = 2;
  else {
    if (packet.length < 2)
      throw new RtpError("ERR_BAD_PAYLOAD", "Opus code 3 packet without frame count (RFC 6716 §3.2.5)");
    frames = packet[1]! & 0x3f;
    if (frames === 0)
      throw new RtpError("ERR_BAD_PAYLOAD", "Opus code 3 packet with 0 frames (RFC 6716 §3.2.5)");
  }
  const samples = frames * FRAME_SAMPLES[toc >> 3]!;
  if (samples > 5760)
    throw new RtpError("ERR_BAD_PAYLOAD", "Opus packet longer than 120 ms (RFC 6716 §3.2.5)");
  return samples;
}

/**
 * Opus frames from RTP (RFC 7587): every packet is one Opus packet; gaps in sequence numbers are counted as
 * loss (a decoder conceals them). Late and duplicate packets are dropped.
 */
export class OpusDepacketizer extends WholePacketDepacketizer {}
