import { H264Payloader, RtpPacketizer } from "@purertc/rtp";
import type { AccessUnit } from "../h264-source.js";

/** Room left in the 1200-byte budget for the MID header extension each sender adds (RFC 9143 §15). */
const EXTENSION_ROOM = 16;

/**
 * Packetizes each access unit once for every viewer: the first viewer to
 * send a unit packetizes it (RFC 6184: single NAL units, STAP-A for the
 * SPS/PPS ahead of an IDR, FU-A), the others reuse its packets, which each
 * viewer's sender rewrites (SSRC, payload type, sequence number, MID) and
 * encrypts. Keyed by the unit object, which FanOut hands to every viewer,
 * in a WeakMap: packets live as long as some viewer still holds the unit.
 */
export class UnitPackets {
  private readonly cache = new WeakMap<AccessUnit, Uint8Array[]>();
  // SSRC, payload type and sequence numbers here are placeholders: every sender rewrites them.
  private readonly packetizer = new RtpPacketizer({
    payloader: new H264Payloader(),
    ssrc: 0,
    payloadType: 96,
    mtu: 1200 - EXTENSION_ROOM,
  });
  /** Access units packetized (once each, whatever the number of viewers). */
  packetized = 0;

  /** The RTP packets of `unit` (the camera's RTP timestamp kept). */
  packetsOf(unit: AccessUnit): Uint8Array[] {
    let packets = this.cache.get(unit);
    if (!packets) {
      packets = this.packetizer.packetize(unit.data, unit.timestamp);
      this.cache.set(unit, packets);
      this.packetized++;
    }
    return packets;
  }
}
