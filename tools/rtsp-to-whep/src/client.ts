import { EventEmitter } from "node:events";
import { type CancelTimer, SocketRegistry, setTimer } from "@purertc/socket";
import { RtspError } from "./errors.js";
import type { RtspReaderLimits } from "./message.js";
import type { RtspTrack, StreamDescription } from "./sdp.js";
import { type RtspPacket, RtspSession } from "./session.js";
import { parseRtspUrl, type RtspUrl } from "./url.js";

/*
 * The client's state machine:
 *
 *   idle ──start()──▶ connecting ──PLAY ok──▶ playing
 *                        │  ▲                   │ connection lost, keep-alive
 *          first attempt │  │ backoff over      │ or media timed out
 *          fails: closed │  │                   ▼
 *                        │  └──────────────── backoff ◀── a reconnect attempt fails
 *                        ▼
 *   any state ──close()──▶ closed (TEARDOWN if playing, then everything released)
 */

/** States of {@link RtspClient}. */
export type RtspClientState = "idle" | "connecting" | "playing" | "backoff" | "closed";

/** Options of {@link RtspClient}. */
export interface RtspClientOptions {
  /** RTP over the RTSP connection (`tcp`, interleaved) or over UDP port pairs. Default `tcp`. */
  transport?: "tcp" | "udp";
  /** Overrides the URL's user info. */
  username?: string;
  password?: string;
  /** Which tracks to SETUP. Default: every video and audio track. */
  selectTrack?: (track: RtspTrack) => boolean;
  /** Default 5000. */
  connectTimeoutMs?: number;
  /** Default 5000. */
  requestTimeoutMs?: number;
  /** A playing camera that sends no RTP for this long is treated as gone. Default 5000. */
  dataTimeoutMs?: number;
  /** First reconnect delay; doubled per failed attempt. Default 250. */
  initialBackoffMs?: number;
  /** Largest reconnect delay. Default 10000. */
  maxBackoffMs?: number;
  /** Reconnect attempts after a loss before giving up (closing). Default unlimited. */
  maxReconnectAttempts?: number;
  /** Bound on waiting for TEARDOWN's answer in close(). Default 1000. */
  teardownTimeoutMs?: number;
  /** Bounds of the response parser. */
  limits?: RtspReaderLimits;
  /** UDP sockets are opened here. Default {@link SocketRegistry.default}. */
  registry?: SocketRegistry;
  /** Default `purertc`. */
  userAgent?: string;
}

/** Events of {@link RtspClient}. */
export interface RtspClientEvents {
  /** Every state change. */
  state: [state: RtspClientState, previous: RtspClientState];
  /** The stream as described, on every (re)connect, before its first packet. */
  description: [description: StreamDescription];
  /** Each RTP/RTCP packet, in arrival order. */
  packet: [packet: RtspPacket];
  /** The session was lost (the client goes to `backoff`). */
  lost: [error: RtspError];
  /** A reconnect attempt is scheduled in `delayMs` (the previous one failed with `error`, if any). */
  reconnecting: [info: { attempt: number; delayMs: number; error: RtspError | undefined }];
}

/**
 * An RTSP client for IP cameras (RFC 2326, RFC 7826 where it differs):
 * OPTIONS, DESCRIBE, SETUP (TCP interleaved or UDP), PLAY, keep-alive,
 * TEARDOWN; Basic and Digest authentication; reconnects with exponential
 * backoff when the camera goes away, keeping its listeners, so a proxy keeps
 * its viewers. Owns one AbortController: close() releases the connection,
 * UDP sockets and timers from any state.
 *
 * ```ts
 * await using client = new RtspClient("rtsp://user:pass@127.0.0.1:8554/cam");
 * client.on("packet", ({ track, rtcp, data }) => {});
 * const description = await client.start();
 * ```
 */
export class RtspClient extends EventEmitter<RtspClientEvents> implements AsyncDisposable {
  private readonly controller = new AbortController();
  private readonly target: RtspUrl;
  private current: RtspSession | undefined;
  private attempt: Promise<unknown> | undefined;
  private cancelBackoff: CancelTimer | undefined;
  private failures = 0;
  private closing: Promise<void> | undefined;
  private stateValue: RtspClientState = "idle";
  private packetCount = 0;
  private reconnectCount = 0;

  /**
   * @param url - `rtsp://[user[:password]@]host[:port]/path`
   * @throws RtspError `ERR_BAD_URL`, `ERR_INVALID_ARGUMENT`
   */
  constructor(
    url: string,
    private readonly options: RtspClientOptions = {},
  ) {
    super();
    const parsed = parseRtspUrl(url);
    this.target = {
      ...parsed,
      username: options.username ?? parsed.username,
      password: options.password ?? parsed.password,
    };
    const transport = options.transport ?? "tcp";
    if (transport !== "tcp" && transport !== "udp") {
      throw new RtspError("ERR_INVALID_ARGUMENT", `transport must be tcp or udp, not ${String(transport)}`);
    }
  }

  /** The current state. */
  get state(): RtspClientState {
    return this.stateValue;
  }

  /** The description of the session now playing (or last played). */
  get description(): StreamDescription | undefined {
    return this.current?.description;
  }

  /**
   * Packets received, sessions re-established after a loss, and UDP
   * datagrams of the current session dropped for coming from another
   * address than the camera's.
   */
  get stats(): { packets: number; reconnects: number; strayDatagrams: number } {
    return {
      packets: this.packetCount,
      reconnects: this.reconnectCount,
      strayDatagrams: this.current?.strayDatagrams ?? 0,
    };
  }

  /**
   * Runs the first session up to PLAY. A failure closes the client (the
   * caller decides whether to try again); losses after that reconnect.
   * @throws RtspError from the first attempt, or `ERR_CLOSED`
   */
  async start(): Promise<StreamDescription> {
    if (this.stateValue !== "idle")
      throw new RtspError("ERR_INVALID_ARGUMENT", `start() in state ${this.stateValue}`);
    this.setState("connecting");
    try {
      const session = await this.connect();
      return session.description!;
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /** Stops everything: TEARDOWN when playing (bounded), then releases all. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async shutdown(): Promise<void> {
    const wasPlaying = this.stateValue === "playing";
    this.setState("closed");
    this.cancelBackoff?.();
    const session = this.current;
    if (wasPlaying && session) await session.teardown(this.options.teardownTimeoutMs ?? 1000);
    this.controller.abort();
    // An attempt in flight settles once its connection and sockets are closed.
    await this.attempt?.catch(() => undefined);
    await this.current?.close();
    this.current = undefined;
  }

  private async connect(): Promise<RtspSession> {
    const o = this.options;
    const run = RtspSession.start({
      target: this.target,
      transport: o.transport ?? "tcp",
      registry: o.registry ?? SocketRegistry.default,
      owner: this,
      signal: this.controller.signal,
      connectTimeoutMs: o.connectTimeoutMs ?? 5000,
      requestTimeoutMs: o.requestTimeoutMs ?? 5000,
      dataTimeoutMs: o.dataTimeoutMs ?? 5000,
      limits: o.limits,
      userAgent: o.userAgent ?? "purertc",
      selectTrack: o.selectTrack ?? ((t) => t.type === "video" || t.type === "audio"),
      onPacket: this.onPacket,
      onLost: this.onLost,
    });
    this.attempt = run;
    let session: RtspSession;
    try {
      session = await run;
    } catch (error) {
      throw this.stateValue === "closed"
        ? new RtspError("ERR_CLOSED", "client closed while connecting", { cause: error })
        : toRtspError(error);
    } finally {
      this.attempt = undefined;
    }
    if (this.stateValue === "closed") {
      await session.close();
      throw new RtspError("ERR_CLOSED", "client closed while connecting");
    }
    this.current = session;
    this.failures = 0;
    this.setState("playing");
    this.emit("description", session.description!);
    return session;
  }

  private readonly onPacket = (packet: RtspPacket) => {
    this.packetCount++;
    this.emit("packet", packet);
  };

  private readonly onLost = (error: RtspError) => {
    if (this.stateValue !== "playing") return;
    const session = this.current;
    this.current = undefined;
    void session?.close();
    this.emit("lost", error);
    this.scheduleReconnect(undefined);
  };

  private scheduleReconnect(error: RtspError | undefined): void {
    if (this.stateValue === "closed") return;
    const max = this.options.maxReconnectAttempts ?? Number.POSITIVE_INFINITY;
    if (this.failures >= max) {
      void this.close();
      return;
    }
    const initial = this.options.initialBackoffMs ?? 250;
    const delayMs = Math.min(this.options.maxBackoffMs ?? 10_000, initial * 2 ** Math.min(this.failures, 30));
    this.failures++;
    this.setState("backoff");
    this.emit("reconnecting", { attempt: this.failures, delayMs, error });
    this.cancelBackoff = setTimer(this.reconnect, delayMs, this.controller.signal);
  }

  private readonly reconnect = () => {
    this.cancelBackoff = undefined;
    if (this.stateValue !== "backoff") return;
    this.setState("connecting");
    this.connect().then(
      () => {
        this.reconnectCount++;
      },
      (error: unknown) => {
        if (this.stateValue === "closed") return;
        this.scheduleReconnect(toRtspError(error));
      },
    );
  };

  private setState(state: RtspClientState): void {
    const previous = this.stateValue;
    if (previous === state || previous === "closed") return;
    this.stateValue = state;
    this.emit("state", state, previous);
  }
}

function toRtspError(error: unknown): RtspError {
  if (error instanceof RtspError) return error;
  return new RtspError("ERR_CONNECTION", error instanceof Error ? error.message : String(error), {
    cause: error,
  });
}
