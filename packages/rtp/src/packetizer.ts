import { randomInt } from "node:crypto";
import type { Payloader } from "./codecs/payloader.js";
import { RtpError } from "./errors.js";
import { RTP_HEADER_SIZE, type RtpHeaderExtension, serializeRtpPacket } from "./packet.js";

/** Options of {@link RtpPacketizer}. */
export interface RtpPacketizerOptions {
  /** The payload format (H264Payloader, Vp8Payloader, OpusPayloader). */
  payloader: Payloader;
  ssrc: number;
  payloadType: number;
  /** Budget of a whole RTP packet before SRTP, in bytes. Default 1200 (leaves room for SRTP and IP/UDP). */
  mtu?: number;
  /** First sequence number. Default random (RFC 3550 §5.1). */
  sequenceNumber?: number;
  /** A header extension block put on every packet (for example the MID, RFC 9143 §15). */
  extension?: RtpHeaderExtension;
}

/**
 * Turns encoded frames into serialized RTP packets of one stream: the payload format cuts each frame to the
 * budget left by the header, sequence numbers run on (wrapping at 65536), the last packet of a video frame
 * carries the marker bit (for audio: the first packet of the stream, RFC 3551 §4.1).
 */
export class RtpPacketizer {
  /** The sequence number the next packet gets. */
  sequenceNumber: number;
  readonly ssrc: number;
  readonly payloadType: number;
  /** Header extension block put on every packet; may be changed between frames. */
  extension: RtpHeaderExtension | undefined;
  private readonly payloader: Payloader;
  private readonly mtu: number;
  private firstPacket = true;

  constructor(options: RtpPacketizerOptions) {
    this.payloader = options.payloader;
    this.ssrc = options.ssrc;
    this.payloadType = options.payloadType;
    this.mtu = options.mtu ?? 1200;
    this.sequenceNumber = options.sequenceNumber ?? randomInt(0, 0x10000);
    this.extension = options.extension;
  }

  /**
   * Packetizes one frame sent at `timestamp` (in the codec's clock).
   * @throws RtpError `ERR_INVALID_ARGUMENT` when the MTU leaves no room for a payload, or the payloader's errors
   */
  packetize(frame: Uint8Array | readonly Uint8Array[], timestamp: number): Uint8Array[] {
    const header = RTP_HEADER_SIZE + (this.extension ? 4 + this.extension.data.length : 0);
    const budget = this.mtu - header;
    if (budget < 3)
      throw new RtpError("ERR_INVALID_ARGUMENT", `MTU ${this.mtu} leaves no room for a payload`);
    const payloads = this.payloader.payload(frame, budget);
    const packets: Uint8Array[] = new Array(payloads.length);
    for (let i = 0; i < payloads.length; i++) {
      packets[i] = serializeRtpPacket({
        marker: this.payloader.audio ? this.firstPacket && i === 0 : i === payloads.length - 1,
        payloadType: this.payloadType,
        sequenceNumber: this.sequenceNumber,
        timestamp: timestamp >>> 0,
        ssrc: this.ssrc,
        extension: this.extension,
        payload: payloads[i]!,
      });
      this.sequenceNumber = (this.sequenceNumber + 1) & 0xffff;
    }
    if (packets.length > 0) this.firstPacket = false;
    return packets;
  }
}
