import type { RtpPacket } from "../packet.js";
import {
  type DepacketizerStats,
  type MediaFrame,
  NO_FRAMES,
  newStats,
  RESTART_DISTANCE,
  sequenceDelta,
} from "./frame.js";

/**
 * The receive half of the audio formats whose every RTP payload is one whole frame (Opus, RFC 7587; G.711,
 * RFC 3551 §4.5.14): each packet in sequence order is a frame; gaps in sequence numbers are counted as loss (a
 * decoder conceals them); late and duplicate packets are dropped.
 */
export class WholePacketDepacketizer {
  /** Counters: packets, lost, frames. */
  readonly stats: DepacketizerStats = newStats();
  private lastSequence = -1;

  /** Takes the next packet (in sequence order) and returns its payload as a frame. */
  push(packet: RtpPacket): readonly MediaFrame[] {
    this.stats.packets++;
    if (this.lastSequence >= 0) {
      const delta = sequenceDelta(packet.sequenceNumber, this.lastSequence);
      if (delta < -RESTART_DISTANCE) {
        // A restarted source: go on from its packets.
      } else if (delta <= 0) {
        this.stats.packetsDiscarded++;
        return NO_FRAMES;
      }
      if (delta > 0) this.stats.packetsLost += delta - 1;
    }
    this.lastSequence = packet.sequenceNumber;
    // A padding-only packet carries no media (RFC 3550 §5.1); neither format has an empty frame.
    if (packet.payload.length === 0) return NO_FRAMES;
    this.stats.frames++;
    return [
      { data: new Uint8Array(packet.payload), timestamp: packet.timestamp, keyframe: true, complete: true },
    ];
  }
}
