import type { RemoteInfo } from "node:dgram";
import {
  type CancelTimer,
  childController,
  type SocketRegistry,
  setRepeatingTimer,
  setTimer,
} from "@purertc/socket";
import { Authenticator } from "./auth.js";
import { RtspConnection } from "./connection.js";
import { RtspError } from "./errors.js";
import type { InterleavedFrame, RtspReaderLimits, RtspResponse } from "./message.js";
import { parseDescription, type RtspTrack, type StreamDescription } from "./sdp.js";
import { formatTransport, parseSession, parseTransport } from "./transport.js";
import { openUdpPortPair, type UdpPortPair } from "./udp-pair.js";
import type { RtspUrl } from "./url.js";

/** One RTP or RTCP packet from the camera. */
export interface RtspPacket {
  /** {@link RtspTrack.index} of the track it belongs to. */
  readonly track: number;
  /** True for RTCP (the odd channel / port). */
  readonly rtcp: boolean;
  readonly data: Uint8Array;
}

/** What one session attempt needs; see {@link RtspClientOptions} for the meaning. */
export interface SessionParams {
  target: RtspUrl;
  transport: "tcp" | "udp";
  registry: SocketRegistry;
  owner: object;
  signal: AbortSignal;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  dataTimeoutMs: number;
  limits: RtspReaderLimits | undefined;
  userAgent: string;
  selectTrack: (track: RtspTrack) => boolean;
  onPacket: (packet: RtspPacket) => void;
  /** Once, when the session dies on its own (connection lost, keep-alive or media timed out). */
  onLost: (error: RtspError) => void;
}

/**
 * One RTSP session, from TCP connect to TEARDOWN: OPTIONS, DESCRIBE, SETUP
 * per selected track, PLAY, then keep-alives within the session timeout
 * and a watchdog on incoming media. Owns a child controller of the
 * client's root; its connection, UDP sockets and timers hang from it.
 */
export class RtspSession {
  private readonly controller: AbortController;
  private connection: RtspConnection | undefined;
  private readonly auth: Authenticator;
  private readonly pairs: UdpPortPair[] = [];
  /** Interleaved channel → [track, rtcp]. */
  private readonly channels = new Map<number, readonly [number, boolean]>();
  private sessionId: string | undefined;
  private publicMethods: string[] = [];
  private lastMediaAt = 0;
  private cancelWatchdog: CancelTimer | undefined;
  private isClosed = false;
  /** Set once PLAY succeeded. */
  description: StreamDescription | undefined;
  /** UDP datagrams dropped because they came from another address than the camera's. */
  strayDatagrams = 0;
  /** The session timeout the camera announced, in seconds. */
  timeoutS = 60;

  private constructor(private readonly params: SessionParams) {
    this.controller = childController(params.signal);
    this.auth = new Authenticator(params.target.username, params.target.password);
  }

  /**
   * Connects and runs the session up to PLAY.
   * @throws RtspError (and closes everything it opened)
   */
  static async start(params: SessionParams): Promise<RtspSession> {
    const session = new RtspSession(params);
    try {
      await session.run();
      return session;
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  private async run(): Promise<void> {
    const p = this.params;
    this.connection = await RtspConnection.open({
      host: p.target.host,
      port: p.target.port,
      signal: this.controller.signal,
      connectTimeoutMs: p.connectTimeoutMs,
      requestTimeoutMs: p.requestTimeoutMs,
      limits: p.limits,
      userAgent: p.userAgent,
      onFrame: this.onFrame,
      onLost: this.lose,
    });
    const url = p.target.url;
    const options = await this.send("OPTIONS", url);
    this.publicMethods = (options.headers.get("public") ?? "").split(",").map((m) => m.trim().toUpperCase());
    const described = await this.send("DESCRIBE", url, { Accept: "application/sdp" });
    const base = described.headers.get("content-base") ?? described.headers.get("content-location") ?? url;
    const description = parseDescription(Buffer.from(described.body).toString("utf8"), base);
    const tracks = description.tracks.filter(p.selectTrack);
    if (tracks.length === 0) throw new RtspError("ERR_NO_MEDIA", "DESCRIBE announced no track to set up");
    for (const [k, track] of tracks.entries()) await this.setup(track, k);
    await this.send("PLAY", description.control, { Range: "npt=0.000-" });
    this.description = description;
    this.lastMediaAt = performance.now();
    const keepAliveMs = Math.max(500, (this.timeoutS * 1000) / 2);
    setRepeatingTimer(this.keepAlive, keepAliveMs, this.controller.signal);
    this.cancelWatchdog = setRepeatingTimer(
      this.watch,
      Math.max(100, p.dataTimeoutMs / 4),
      this.controller.signal,
    );
  }

  private async setup(track: RtspTrack, k: number): Promise<void> {
    const p = this.params;
    let pair: UdpPortPair | undefined;
    if (p.transport === "udp") {
      const address = p.target.host.includes(":") ? "::" : "0.0.0.0";
      pair = await openUdpPortPair(p.registry, p.owner, address, "rtsp", this.controller.signal);
      this.pairs.push(pair);
    }
    const request = pair
      ? ({ kind: "udp", clientPorts: [pair.rtp.address().port, pair.rtcp.address().port] } as const)
      : ({ kind: "tcp", channels: [2 * k, 2 * k + 1] } as const);
    const response = await this.send("SETUP", track.control, { Transport: formatTransport(request) });
    const session = response.headers.get("session");
    if (session !== undefined && this.sessionId === undefined) {
      const parsed = parseSession(session);
      this.sessionId = parsed.id;
      this.timeoutS = parsed.timeoutS;
    }
    const transportHeader = response.headers.get("transport");
    if (transportHeader === undefined)
      throw new RtspError("ERR_BAD_HEADER_VALUE", "SETUP response without Transport");
    const reply = parseTransport(transportHeader);
    if (pair) {
      if (reply.protocol.endsWith("/TCP"))
        throw new RtspError("ERR_BAD_HEADER_VALUE", "asked for UDP, got TCP");
      // Only the camera may feed the pair: datagrams from any other address are dropped (and counted).
      const camera = this.connection!.remoteAddress;
      const from = (remote: RemoteInfo) => remote.address.replace(/^::ffff:/, "") === camera;
      pair.rtp.on("message", (data: Buffer, remote: RemoteInfo) => {
        if (from(remote)) this.media(track.index, false, data);
        else this.strayDatagrams++;
      });
      pair.rtcp.on("message", (data: Buffer, remote: RemoteInfo) => {
        if (from(remote)) this.media(track.index, true, data);
        else this.strayDatagrams++;
      });
    } else {
      const [rtp, rtcp] = reply.interleaved ?? [2 * k, 2 * k + 1];
      this.channels.set(rtp, [track.index, false]);
      this.channels.set(rtcp, [track.index, true]);
    }
  }

  /**
   * Sends a request with Session and Authorization; answers one 401 by
   * authenticating (again, for a stale nonce).
   * @throws RtspError `ERR_UNAUTHORIZED`, `ERR_STATUS`, and the connection's
   */
  private async send(
    method: string,
    url: string,
    headers: Record<string, string> = {},
  ): Promise<RtspResponse> {
    const connection = this.connection;
    if (!connection) throw new RtspError("ERR_CLOSED", `${method}: no connection`);
    for (let attempt = 0; ; attempt++) {
      const all = { ...headers };
      if (this.sessionId !== undefined) all["Session"] = this.sessionId;
      const authorization = this.auth.authorization(method, url);
      if (authorization !== undefined) all["Authorization"] = authorization;
      const response = await connection.request(method, url, all);
      if (response.status >= 200 && response.status < 300) return response;
      if (response.status === 401) {
        const challenges = response.headers.getAll("www-authenticate");
        const stale = challenges.some((c) => /stale\s*=\s*"?true/i.test(c));
        if ((attempt === 0 || (attempt === 1 && stale)) && this.auth.accept(challenges)) continue;
        throw new RtspError(
          "ERR_UNAUTHORIZED",
          `${method} ${url}: 401 ${response.reason}${authorization ? " (credentials refused)" : " (no credentials)"} (RFC 2326 §11.4.1)`,
          { status: 401 },
        );
      }
      throw new RtspError("ERR_STATUS", `${method} ${url}: ${response.status} ${response.reason}`, {
        status: response.status,
      });
    }
  }

  private readonly keepAlive = () => {
    if (!this.description) return;
    // GET_PARAMETER when the camera lists it (RFC 2326 §10.8), else OPTIONS, which every camera answers.
    const method = this.publicMethods.includes("GET_PARAMETER") ? "GET_PARAMETER" : "OPTIONS";
    this.send(method, method === "OPTIONS" ? this.params.target.url : this.description.control).catch(
      (error: unknown) => {
        if (this.isClosed) return;
        this.lose(error instanceof RtspError ? error : new RtspError("ERR_CONNECTION", String(error)));
      },
    );
  };

  private readonly watch = () => {
    if (performance.now() - this.lastMediaAt > this.params.dataTimeoutMs) {
      this.lose(new RtspError("ERR_TIMEOUT", `no media from the camera for ${this.params.dataTimeoutMs} ms`));
    }
  };

  private readonly onFrame = (frame: InterleavedFrame) => {
    const route = this.channels.get(frame.channel);
    if (route) this.media(route[0], route[1], frame.payload);
  };

  private media(track: number, rtcp: boolean, data: Uint8Array): void {
    if (this.isClosed) return;
    if (!rtcp) this.lastMediaAt = performance.now();
    this.params.onPacket({ track, rtcp, data });
  }

  private readonly lose = (error: RtspError) => {
    if (this.isClosed) return;
    this.cancelWatchdog?.();
    this.params.onLost(error);
  };

  /**
   * Sends TEARDOWN (bounded by `timeoutMs`; skipped when the connection is
   * gone), then closes. Never throws.
   */
  async teardown(timeoutMs: number): Promise<void> {
    const connection = this.connection;
    if (
      !this.isClosed &&
      connection &&
      !connection.closed &&
      this.description &&
      this.sessionId !== undefined
    ) {
      let cancel: CancelTimer = () => {};
      await Promise.race([
        this.send("TEARDOWN", this.description.control).catch(() => undefined),
        new Promise<void>((resolve) => {
          cancel = setTimer(resolve, timeoutMs, this.controller.signal);
        }),
      ]);
      cancel();
    }
    await this.close();
  }

  /** Closes the connection, the UDP sockets and every timer. Idempotent. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.controller.abort();
    this.connection?.close();
    await Promise.all(this.pairs.splice(0).flatMap((pair) => [pair.rtp.close(), pair.rtcp.close()]));
  }
}
