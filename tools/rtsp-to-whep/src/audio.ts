import { parseRtpPacket, RtpError } from "@purertc/rtp";
import type { RtspClient } from "./client.js";
import type { RtspTrack, StreamDescription } from "./sdp.js";
import type { RtspPacket } from "./session.js";

/** G.711, the camera audio browsers decode over WebRTC (RFC 3551 §4.5.14, 8000 Hz). */
export type CameraAudioCodec = "PCMA" | "PCMU";

/** What the proxy makes of the camera's audio. */
export interface CameraAudio {
  /** The track passed through to viewers (G.711), if any. */
  readonly track: RtspTrack | undefined;
  readonly codec: CameraAudioCodec | undefined;
  /** Why the camera's audio track is not passed through (AAC, or another codec), if it has one. */
  readonly ignored: string | undefined;
}

/**
 * The camera's audio as viewers can get it: the first G.711 track (PCMA or
 * PCMU at 8000 Hz, by rtpmap or static payload type 8 / 0), passed through
 * untouched; any other audio (AAC as MPEG4-GENERIC or MP4A-LATM, which
 * browsers do not decode over WebRTC, G.726, …) is ignored, with the reason.
 */
export function cameraAudio(description: StreamDescription | undefined): CameraAudio {
  const audio = description?.tracks.filter((t) => t.type === "audio") ?? [];
  for (const track of audio) {
    const codec = g711(track);
    if (codec) return { track, codec, ignored: undefined };
  }
  const first = audio[0];
  if (!first) return { track: undefined, codec: undefined, ignored: undefined };
  const name = first.encoding || `payload type ${first.payloadType}`;
  const aac = first.encoding === "MPEG4-GENERIC" || first.encoding === "MP4A-LATM";
  return {
    track: undefined,
    codec: undefined,
    ignored: `${name}/${first.clockRate}: ${aac ? "AAC, which browsers do not decode over WebRTC" : "not G.711 (PCMA/PCMU), the audio browsers decode over WebRTC"}; the stream goes out without audio`,
  };
}

function g711(track: RtspTrack): CameraAudioCodec | undefined {
  if (track.clockRate !== 8000) return undefined;
  const name = track.encoding || (track.payloadType === 8 ? "PCMA" : track.payloadType === 0 ? "PCMU" : "");
  return name === "PCMA" || name === "PCMU" ? name : undefined;
}

/** Where a viewer's audio packets go (its audio sender's `sendRtp`). */
export type AudioPacketSink = (packet: Uint8Array) => void;

/**
 * The camera's G.711 audio, relayed: each RTP packet of the track
 * {@link cameraAudio} picks goes to every sink as it came (each viewer's
 * sender rewrites SSRC, payload type, sequence number and MID, and
 * encrypts). No queue and no cache: audio has no key frames, a late viewer
 * starts on the next packet. Packets that do not parse as RTP are counted
 * and dropped. Re-evaluated on every (re)connect of the client.
 */
export class AudioRelay {
  private readonly sinks = new Set<AudioPacketSink>();
  private current: CameraAudio = cameraAudio(undefined);
  private isClosed = false;
  /** Counters: packets relayed (once each, whatever the number of viewers), packets that did not parse, sink errors. */
  readonly stats = { packets: 0, badPackets: 0, sinkErrors: 0 };

  constructor(private readonly client: RtspClient) {
    client.on("description", this.onDescription);
    client.on("packet", this.onPacket);
    if (client.description) this.onDescription(client.description);
  }

  /** The camera's audio now: the codec passed through, or why none is. */
  get audio(): CameraAudio {
    return this.current;
  }

  /** Viewers listening now. */
  get sinkCount(): number {
    return this.sinks.size;
  }

  /** Adds a viewer. */
  add(sink: AudioPacketSink): void {
    if (!this.isClosed) this.sinks.add(sink);
  }

  /** Removes a viewer. */
  remove(sink: AudioPacketSink): void {
    this.sinks.delete(sink);
  }

  /** Stops listening to the client and forgets every sink. Idempotent. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.client.off("description", this.onDescription);
    this.client.off("packet", this.onPacket);
    this.sinks.clear();
  }

  private readonly onDescription = (description: StreamDescription) => {
    this.current = cameraAudio(description);
  };

  private readonly onPacket = (packet: RtspPacket) => {
    const track = this.current.track;
    if (packet.rtcp || !track || packet.track !== track.index) return;
    try {
      parseRtpPacket(packet.data);
    } catch (error) {
      if (!(error instanceof RtpError)) throw error;
      this.stats.badPackets++;
      return;
    }
    this.stats.packets++;
    for (const sink of this.sinks) {
      try {
        sink(packet.data);
      } catch {
        this.stats.sinkErrors++;
      }
    }
  };
}
