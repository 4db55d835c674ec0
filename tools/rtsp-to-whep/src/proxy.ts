import { EventEmitter } from "node:events";
import type { PeerCertificate, PeerConnectionConfiguration } from "@purertc/peerconnection";
import { startTimer } from "@purertc/socket";
import { AudioRelay, type CameraAudioCodec, cameraAudio } from "./audio.js";
import { RtspClient, type RtspClientOptions } from "./client.js";
import { FanOut, type FanOutOptions } from "./fanout.js";
import { H264Source, type SourceInfo } from "./h264-source.js";
import type { PacingOptions } from "./whep/pacer.js";
import { PeerConnectionWhepFactory, type ViewerEvent } from "./whep/peer-connection-factory.js";
import { PLAYER_PAGE } from "./whep/player.js";
import { WhepServer } from "./whep/server.js";

/** Options of {@link RtspToWhepProxy.start}. */
export interface RtspToWhepProxyOptions {
  /** The camera, `rtsp://[user:pass@]host[:port]/path`. */
  rtspUrl: string;
  /** RTSP client options (transport, timeouts, backoff). */
  rtsp?: RtspClientOptions;
  /** Where the WHEP endpoint and the player page listen. Default 127.0.0.1, a free port. */
  host?: string;
  port?: number;
  /** Viewers at once (more get 503). Default 100. */
  maxViewers?: number;
  /** The viewers' PeerConnection configuration. Default loopback interfaces, no mDNS. */
  configuration?: PeerConnectionConfiguration<PeerCertificate>;
  /** A viewer that has not connected within this is removed. Default 15000 ms. */
  connectTimeoutMs?: number;
  /** A viewer disconnected (10 s without consent answers) this long more is removed. Default 5000 ms. */
  disconnectedGraceMs?: number;
  fanOut?: FanOutOptions;
  /** Each viewer's pacing (token bucket); `false` sends each unit at once. Default 12 Mbit/s, 64 KiB deep. */
  pacing?: PacingOptions | false;
  /** Period of the `stats` event. Default 5000 ms. */
  statsIntervalMs?: number;
}

/** The camera's picture, and what becomes of its audio (the proxy's `source` event). */
export interface ProxySourceInfo extends SourceInfo {
  /** The camera's G.711 audio, passed through to viewers that offer it. */
  readonly audio?: CameraAudioCodec;
  /** Why the camera's audio is not passed through (AAC: browsers do not decode it over WebRTC). */
  readonly audioIgnored?: string;
}

/** The proxy's counters, as the `stats` event carries them. */
export interface ProxyStats {
  /** Viewers with a session now. */
  viewers: number;
  /** Access units from the camera. */
  framesIn: number;
  /** Access units sent to viewers (summed over viewers). */
  framesOut: number;
  /** Access units dropped for slow viewers (summed over viewers). */
  drops: number;
  /** Audio packets from the camera relayed to viewers (counted once each). */
  audioPacketsIn: number;
  /** RTSP client state (`playing`, `backoff`, …). */
  rtsp: string;
}

/** Events of {@link RtspToWhepProxy}. */
export interface RtspToWhepProxyEvents {
  /** The camera's picture and audio (on every (re)connect and size change). */
  source: [info: ProxySourceInfo];
  /** A viewer's state change. */
  viewer: [event: ViewerEvent];
  /** Counters, every `statsIntervalMs`. */
  stats: [stats: ProxyStats];
  /** The camera went away; viewers stay, the client reconnects in `delayMs`. */
  reconnecting: [info: { attempt: number; delayMs: number }];
}

/**
 * The whole proxy: one RTSP session to the camera ({@link RtspClient},
 * reconnecting with backoff), its H.264 access units into a {@link FanOut},
 * and a {@link WhepServer} whose viewers are purertc PeerConnections
 * ({@link PeerConnectionWhepFactory}); the camera's G.711 audio relayed
 * ({@link AudioRelay}) to viewers that offer it; the player page at `/`. `close()`
 * ends every viewer, sends the RTSP TEARDOWN and releases everything.
 */
export class RtspToWhepProxy extends EventEmitter<RtspToWhepProxyEvents> implements AsyncDisposable {
  private cancelStats: (() => void) | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly client: RtspClient,
    readonly source: H264Source,
    readonly audio: AudioRelay,
    readonly fanOut: FanOut,
    readonly factory: PeerConnectionWhepFactory,
    readonly server: WhepServer,
    private readonly statsIntervalMs: number,
  ) {
    super();
    source.on("accessUnit", this.onUnit);
    source.on("source", this.onSource);
    client.on("description", this.onDescription);
    client.on("reconnecting", this.onReconnecting);
    this.scheduleStats();
  }

  /**
   * Listens, then connects to the camera (PLAY).
   * @throws RtspError when the camera cannot be played; Error when the port cannot be bound
   */
  static async start(options: RtspToWhepProxyOptions): Promise<RtspToWhepProxy> {
    const client = new RtspClient(options.rtspUrl, options.rtsp);
    const source = new H264Source(client);
    const audio = new AudioRelay(client);
    const fanOut = new FanOut(options.fanOut);
    // The proxy exists before the factory can report a viewer; events go through this holder.
    const relay: { proxy?: RtspToWhepProxy } = {};
    const factory = new PeerConnectionWhepFactory({
      fanOut,
      audio,
      ...(options.configuration ? { configuration: options.configuration } : {}),
      ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      disconnectedGraceMs: options.disconnectedGraceMs ?? 5000,
      ...(options.pacing !== undefined ? { pacing: options.pacing } : {}),
      onViewer: (event) => relay.proxy?.emit("viewer", event),
    });
    let server: WhepServer | undefined;
    try {
      server = await WhepServer.listen({
        factory,
        page: PLAYER_PAGE,
        host: options.host ?? "127.0.0.1",
        port: options.port ?? 0,
        maxSessions: options.maxViewers ?? 100,
      });
      const proxy = new RtspToWhepProxy(
        client,
        source,
        audio,
        fanOut,
        factory,
        server,
        options.statsIntervalMs ?? 5000,
      );
      relay.proxy = proxy;
      try {
        await client.start();
      } catch (error) {
        await proxy.close();
        throw error;
      }
      return proxy;
    } catch (error) {
      await server?.close();
      source.close();
      audio.close();
      fanOut.close();
      await client.close();
      throw error;
    }
  }

  /** The WHEP endpoint's URL (`http://host:port/whep`). */
  get whepUrl(): string {
    return this.server.url;
  }

  /** The player page's URL (`http://host:port/`). */
  get pageUrl(): string {
    return new URL("/", this.server.url).href;
  }

  /** The counters now. */
  stats(): ProxyStats {
    const totals = this.factory.totals;
    return {
      viewers: this.server.sessionCount,
      framesIn: this.fanOut.unitsIn,
      framesOut: totals.delivered,
      drops: totals.dropped,
      audioPacketsIn: this.audio.stats.packets,
      rtsp: this.client.state,
    };
  }

  /** Ends every viewer, TEARDOWN to the camera, releases everything. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.cancelStats?.();
      this.cancelStats = undefined;
      this.source.off("accessUnit", this.onUnit);
      this.source.off("source", this.onSource);
      this.client.off("description", this.onDescription);
      this.client.off("reconnecting", this.onReconnecting);
      await this.server.close();
      this.fanOut.close();
      this.source.close();
      this.audio.close();
      await this.client.close();
    })();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private scheduleStats(): void {
    this.cancelStats = startTimer(this.onStatsTimer, this.statsIntervalMs);
  }

  private readonly onStatsTimer = () => {
    this.emit("stats", this.stats());
    this.scheduleStats();
  };

  private readonly onUnit = (unit: Parameters<FanOut["push"]>[0]) => this.fanOut.push(unit);

  private readonly onSource = (info: SourceInfo) => this.emit("source", this.describe(info));

  /** The picture now with the camera's audio (what the `source` event carries), once the SPS is known. */
  get sourceInfo(): ProxySourceInfo | undefined {
    const info = this.source.info;
    return info && this.describe(info);
  }

  private describe(info: SourceInfo): ProxySourceInfo {
    // From the description itself: the H.264 source may announce before the relay saw the same description.
    const audio = cameraAudio(this.client.description);
    return {
      ...info,
      ...(audio.codec ? { audio: audio.codec } : {}),
      ...(audio.ignored ? { audioIgnored: audio.ignored } : {}),
    };
  }

  // A (re)connected camera: the cached GOP belongs to the old session and must not prime new viewers.
  private readonly onDescription = () => this.fanOut.reset();

  private readonly onReconnecting = (info: { attempt: number; delayMs: number }) =>
    this.emit("reconnecting", { attempt: info.attempt, delayMs: info.delayMs });
}
