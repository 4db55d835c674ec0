import { EventEmitter } from "node:events";
import { H264Depacketizer, type H264Sps, parseH264Sps, parseRtpPacket, RtpError } from "@purertc/rtp";
import type { RtspClient } from "./client.js";
import type { RtspTrack, StreamDescription } from "./sdp.js";
import type { RtspPacket } from "./session.js";

/** One H.264 access unit from the camera. */
export interface AccessUnit {
  /** Annex-B bytes; an IDR access unit carries SPS and PPS ahead of its slices. */
  readonly data: Uint8Array;
  /** RTP timestamp (90 kHz). */
  readonly timestamp: number;
  /** Holds an IDR slice: a viewer can start here. */
  readonly keyframe: boolean;
}

/** The picture the camera sends, from its SPS (sprop-parameter-sets, else the first in-band one). */
export interface SourceInfo {
  readonly codec: "H264";
  readonly width: number;
  readonly height: number;
  /** RFC 6184 profile-level-id of the SPS. */
  readonly profileLevelId: string;
}

/** Events of {@link H264Source}. */
export interface H264SourceEvents {
  /** Each complete access unit, in decoding order. */
  accessUnit: [unit: AccessUnit];
  /** The picture size, once known for each (re)connected session, and whenever a new SPS changes it. */
  source: [info: SourceInfo];
}

/**
 * Turns an {@link RtspClient}'s H.264 track into access units with
 * @purertc/rtp's depacketizer: SPS/PPS from `sprop-parameter-sets` and from
 * the stream, put ahead of every IDR. A new depacketizer per (re)connected
 * session (a restarted camera starts new sequence numbers). Listens to the
 * client until close().
 */
export class H264Source extends EventEmitter<H264SourceEvents> {
  private depacketizer: H264Depacketizer | undefined;
  private track: RtspTrack | undefined;
  private lastInfo: SourceInfo | undefined;
  private isClosed = false;
  /** Counters: access units and key frames out, RTP packets that did not parse. */
  readonly stats = { accessUnits: 0, keyframes: 0, badPackets: 0 };

  constructor(private readonly client: RtspClient) {
    super();
    client.on("description", this.onDescription);
    client.on("packet", this.onPacket);
    if (client.description) this.onDescription(client.description);
  }

  /** The latest picture information. */
  get info(): SourceInfo | undefined {
    return this.lastInfo;
  }

  /** Depacketizer counters of the current session (loss, drops). */
  get depacketizerStats() {
    return this.depacketizer?.stats;
  }

  /** Stops listening to the client. Idempotent. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.client.off("description", this.onDescription);
    this.client.off("packet", this.onPacket);
    this.depacketizer = undefined;
  }

  private readonly onDescription = (description: StreamDescription) => {
    this.track = description.tracks.find((t) => t.encoding === "H264");
    if (!this.track) {
      this.depacketizer = undefined;
      return;
    }
    const parameterSets = this.track.parameterSets;
    this.lastInfo = undefined;
    this.depacketizer = new H264Depacketizer({ parameterSets });
    const sps = parameterSets.find((nal) => (nal[0]! & 0x1f) === 7);
    if (sps) this.announce(tryParseSps(sps));
  };

  private readonly onPacket = (packet: RtspPacket) => {
    const depacketizer = this.depacketizer;
    if (packet.rtcp || !depacketizer || packet.track !== this.track?.index) return;
    let frames: ReturnType<H264Depacketizer["push"]>;
    try {
      frames = depacketizer.push(parseRtpPacket(packet.data));
    } catch (error) {
      if (!(error instanceof RtpError)) throw error;
      this.stats.badPackets++;
      return;
    }
    for (const frame of frames) {
      if (frame.sps) this.announce(frame.sps);
      this.stats.accessUnits++;
      if (frame.keyframe) this.stats.keyframes++;
      this.emit("accessUnit", { data: frame.data, timestamp: frame.timestamp, keyframe: frame.keyframe });
    }
  };

  private announce(sps: H264Sps | undefined): void {
    if (!sps) return;
    const last = this.lastInfo;
    if (
      last &&
      last.width === sps.width &&
      last.height === sps.height &&
      last.profileLevelId === sps.profileLevelId
    )
      return;
    this.lastInfo = {
      codec: "H264",
      width: sps.width,
      height: sps.height,
      profileLevelId: sps.profileLevelId,
    };
    this.emit("source", this.lastInfo);
  }
}

function tryParseSps(nal: Uint8Array): H264Sps | undefined {
  try {
    return parseH264Sps(nal);
  } catch (error) {
    if (error instanceof RtpError) return undefined;
    throw error;
  }
}
