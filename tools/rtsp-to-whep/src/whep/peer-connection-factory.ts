import {
  type PeerCertificate,
  PeerConnection,
  type PeerConnectionConfiguration,
  PeerConnectionError,
  SdpError,
} from "@purertc/peerconnection";
import type { AudioRelay } from "../audio.js";
import { RtspError } from "../errors.js";
import type { FanOut, ViewerStats } from "../fanout.js";
import { gathered } from "./gathered.js";
import { DEFAULT_PACING, type PacingOptions, type PacingStats, TokenBucket } from "./pacer.js";
import { PeerConnectionSession, type ViewerEvent } from "./peer-connection-session.js";
import type { WhepSession, WhepSessionFactory } from "./session.js";
import { UnitPackets } from "./unit-packets.js";

export type { ViewerEndReason, ViewerEvent, ViewerState } from "./peer-connection-session.js";

/** Options of {@link PeerConnectionWhepFactory}. */
export interface PeerConnectionWhepFactoryOptions {
  /** The video every viewer gets; without it only data-channel offers are answered (a video offer is a 406). */
  fanOut?: FanOut;
  /**
   * The camera's G.711 audio: a video offer that also offers audio with the camera's codec (PCMA or PCMU)
   * gets a sendonly audio section fed from it; otherwise its audio section is answered without a sender.
   */
  audio?: AudioRelay;
  /** Each viewer's PeerConnection configuration. Default loopback interfaces, no mDNS. */
  configuration?: PeerConnectionConfiguration<PeerCertificate>;
  /** How long the answer waits for our candidates (WHEP answers carry them). Default 2000 ms. */
  gatheringTimeoutMs?: number;
  /** A viewer that has not connected (ICE and DTLS) within this is removed. Default 15000 ms. */
  connectTimeoutMs?: number;
  /**
   * A viewer whose connection stays `disconnected` (consent checks unanswered for 10 s) this long more is
   * removed. Default: wait for ICE to fail (30 s without consent, RFC 7675).
   */
  disconnectedGraceMs?: number;
  /**
   * A late viewer's backlog (the cached GOP) goes through a token bucket, not in one burst; live units
   * then go straight. `false` sends the backlog at once too. Default {@link DEFAULT_PACING}: 12 Mbit/s, 64 KiB deep.
   */
  pacing?: PacingOptions | false;
  /** Each viewer's state changes (for logs and the CLI's `viewer` events). */
  onViewer?: (event: ViewerEvent) => void;
}

const VIDEO_SECTION = /^m=video [1-9]/m;
const AUDIO_SECTION = /^m=audio [1-9]/m;
const DATA_SECTION = /^m=application [1-9]/m;

/**
 * Sessions backed by purertc's PeerConnection. A video offer (a browser's
 * recvonly H.264 offer) gets a sendonly H.264 transceiver fed from the
 * {@link FanOut} once connected: a late viewer starts on the cached GOP
 * (SPS/PPS ahead of its IDR), each access unit is packetized once for all
 * viewers ({@link UnitPackets}) and sent with `sender.sendRtp`, which
 * rewrites and encrypts it per viewer. A data-channel offer is answered
 * too. The answer waits (bounded) for gathering, as a WHEP server sends its
 * candidates in the answer. A viewer ends on DELETE, on PeerConnection
 * close or failure (consent freshness), or when it does not connect within
 * `connectTimeoutMs`; it leaves the fan-out and its PeerConnection is closed.
 */
export class PeerConnectionWhepFactory implements WhepSessionFactory {
  private readonly packets = new UnitPackets();
  private readonly live = new Set<PeerConnectionSession>();
  private nextId = 1;
  private readonly configuration: PeerConnectionConfiguration<PeerCertificate>;
  /** Totals of ended viewers (live ones are added in {@link totals}). */
  private endedTotals = { delivered: 0, dropped: 0 };

  /** @throws RtspError `ERR_INVALID_ARGUMENT` for bad pacing options */
  constructor(private readonly options: PeerConnectionWhepFactoryOptions = {}) {
    this.configuration = options.configuration ?? { interfaces: "loopback", mdns: false };
    // Checked here, not at the first viewer's answer.
    if (options.pacing) {
      const { bitsPerSecond = DEFAULT_PACING.bitsPerSecond, burstBytes = DEFAULT_PACING.burstBytes } =
        options.pacing;
      new TokenBucket(bitsPerSecond / 8, burstBytes);
    }
  }

  /** The live viewers: id, fan-out counters, pacing counters. */
  get viewers(): Array<{ id: number; stats: ViewerStats; pacing: PacingStats | undefined }> {
    return [...this.live].map((s) => ({ id: s.id, stats: s.stats, pacing: s.pacing }));
  }

  /** Sessions made and not yet ended. */
  get viewerCount(): number {
    return this.live.size;
  }

  /** Access units packetized (once each for all viewers), sent to viewers, and dropped for slow viewers. */
  get totals(): { packetized: number; delivered: number; dropped: number } {
    let { delivered, dropped } = this.endedTotals;
    for (const session of this.live) {
      delivered += session.stats.delivered;
      dropped += session.stats.dropped;
    }
    return { packetized: this.packets.packetized, delivered, dropped };
  }

  async create(offer: string, onEnded: () => void, signal: AbortSignal): Promise<WhepSession> {
    const wantsVideo = VIDEO_SECTION.test(offer);
    const pc = new PeerConnection(this.configuration);
    try {
      const transceiver =
        wantsVideo && this.options.fanOut
          ? pc.addTransceiver("video", { direction: "sendonly", streams: ["camera"] })
          : undefined;
      transceiver?.setCodecPreferences([{ mimeType: "video/H264" }]);
      // The camera's audio as it comes (no transcoding): only its own G.711 law is offered back.
      const audioCodec = this.options.audio?.audio.codec;
      const audio =
        transceiver && audioCodec && AUDIO_SECTION.test(offer)
          ? pc.addTransceiver("audio", { direction: "sendonly", streams: ["camera"] })
          : undefined;
      if (audio && audioCodec) audio.setCodecPreferences([{ mimeType: `audio/${audioCodec}` }]);
      try {
        await pc.setRemoteDescription({ type: "offer", sdp: offer });
      } catch (error) {
        if (error instanceof PeerConnectionError && error.code === "ERR_INVALID_SDP") {
          const malformed = error.cause instanceof SdpError;
          throw new RtspError(malformed ? "ERR_BAD_OFFER" : "ERR_UNSUPPORTED_OFFER", error.message, {
            cause: error,
          });
        }
        throw error;
      }
      // Checked once the offer parsed: a malformed one is a 400 whatever it holds.
      if (wantsVideo && !transceiver) {
        throw new RtspError("ERR_UNSUPPORTED_OFFER", "this endpoint has no video source");
      }
      if (!wantsVideo && !DATA_SECTION.test(offer)) {
        throw new RtspError(
          "ERR_UNSUPPORTED_OFFER",
          "the offer asks for neither video nor a data channel (m=video, or m=application UDP/DTLS/SCTP)",
        );
      }
      await pc.setLocalDescription(await pc.createAnswer());
      if (transceiver) {
        const codec = transceiver.sender.getParameters().codecs[0];
        if (transceiver.currentDirection !== "sendonly" || codec?.mimeType !== "video/H264") {
          throw new RtspError(
            "ERR_UNSUPPORTED_OFFER",
            "the offer's video section has no H.264 (packetization-mode=1, constrained baseline) to receive",
          );
        }
      }
      const audioSender =
        audio?.currentDirection === "sendonly" &&
        audio.sender.getParameters().codecs[0]?.mimeType === `audio/${audioCodec}`
          ? audio.sender
          : undefined;
      await gathered(pc, this.options.gatheringTimeoutMs ?? 2000, signal);
      const session = new PeerConnectionSession({
        id: this.nextId++,
        pc,
        sender: transceiver?.sender,
        audioSender,
        audio: this.options.audio,
        fanOut: this.options.fanOut,
        packets: this.packets,
        connectTimeoutMs: this.options.connectTimeoutMs ?? 15_000,
        pacing: this.options.pacing ?? {},
        disconnectedGraceMs: this.options.disconnectedGraceMs,
        onEnded: (ended) => {
          if (!this.live.delete(ended)) return;
          this.endedTotals.delivered += ended.stats.delivered;
          this.endedTotals.dropped += ended.stats.dropped;
          onEnded();
        },
        onViewer: this.options.onViewer,
      });
      this.live.add(session);
      return session;
    } catch (error) {
      await pc.close();
      throw error;
    }
  }
}
