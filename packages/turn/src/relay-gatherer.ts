import type { SocketRegistry } from "@purertc/socket";
import { TurnClient, type TurnClientOptions } from "./client.js";
import { TurnError } from "./errors.js";

/**
 * A TURN allocation seen as an ICE candidate base (RFC 8445 §5.1.1: the
 * relayed address is the base of a relay candidate). It has the shape of
 * `CandidateBase` of @purertc/ice (`kind`, `address`, `port`, `family`,
 * `send`, `onPacket`, `closed`, `close`) without importing it: imports go one
 * way, ice → turn.
 *
 * Datagrams sent through it go to the peer through the relay (a permission is
 * installed on first use, then a channel is bound); datagrams from peers come
 * out of `onPacket` with the peer's address.
 */
export class TurnRelayBase implements AsyncDisposable {
  /** Always `relay`: the base is a TURN allocation, not a socket of ours. */
  readonly kind = "relay";
  /** The relayed transport address (IP). */
  readonly address: string;
  /** The relayed transport address (port). */
  readonly port: number;
  /** Address family of the relayed address. */
  readonly family: 4 | 6;
  /** Our address as the server saw it: the related address of the relay candidate. */
  readonly mapped: { address: string; port: number } | undefined;
  /** Set by the ICE agent: every datagram from a peer. */
  onPacket: ((data: Uint8Array, address: string, port: number) => void) | undefined = undefined;
  private readonly onMessage = (data: Uint8Array, peer: { address: string; port: number }) => {
    this.onPacket?.(data, peer.address, peer.port);
  };

  /** @param client - an allocated {@link TurnClient}; the base owns it from now on. */
  constructor(readonly client: TurnClient) {
    const info = client.allocation;
    if (!info) throw new TurnError("ERR_STATE", "a relay base needs an allocated TURN client");
    this.address = info.relayed.address;
    this.port = info.relayed.port;
    this.family = info.relayed.family === "IPv6" ? 6 : 4;
    this.mapped = info.mapped ? { address: info.mapped.address, port: info.mapped.port } : undefined;
    client.on("message", this.onMessage);
  }

  /** True once closed, or once the allocation was lost. */
  get closed(): boolean {
    return this.client.closed || this.client.state === "failed";
  }

  /** Sends one datagram to a peer through the relay. Never throws. */
  send(data: Uint8Array, port: number, address: string): void {
    try {
      this.client.sendTo(data, port, address);
    } catch {
      // A bad peer address (for example a hostname): counted as dropped, as UDP would drop it.
      this.client.stats.dropped++;
    }
  }

  /** Deallocates (bounded wait) and closes the socket. Idempotent. */
  close(): Promise<void> {
    this.client.off("message", this.onMessage);
    this.onPacket = undefined;
    return this.client.close();
  }

  /** Same as {@link TurnRelayBase.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** A TURN server as `RTCIceServer` gives it (W3C WebRTC §4.2.1); `turn:` and `turns:` URLs are used. */
export interface TurnServerConfig {
  /** `turn:host:port?transport=udp|tcp` or `turns:host:port` (or a list; `stun:` URLs are skipped). */
  urls: string | string[];
  /** Long-term credential username. */
  username: string;
  /** Long-term credential password. */
  credential: string;
}

/** The relay candidate a {@link TurnRelayGatherer} announces: the fields of @purertc/ice's `Candidate`. */
export interface RelayCandidate {
  foundation: string;
  component: number;
  transport: "udp";
  priority: number;
  address: string;
  port: number;
  type: "relay";
  relatedAddress: string | undefined;
  relatedPort: number | undefined;
  extensions: Array<[name: string, value: string]>;
}

/** A server that gave no relay candidate (W3C `icecandidateerror`; 701: no answer). */
export interface RelayGatherError {
  address: string;
  port: number;
  url: string;
  errorCode: number;
  errorText: string;
}

/**
 * The part of @purertc/ice's `GatherContext` that relay gathering uses,
 * written out structurally so that the ICE agent's context fits it as is.
 */
export interface RelayGatherContext {
  /** Aborts when gathering stops or the agent closes: a pending allocation is closed. */
  readonly signal: AbortSignal;
  /** The registry to open the TURN sockets through. */
  readonly registry: SocketRegistry;
  /** Component ID. */
  readonly component: number;
  /** Hands a base to the agent, which listens on it, pairs it and closes it with its generation. */
  addBase(base: TurnRelayBase): void;
  /** Announces a local candidate whose packets go through `base`. */
  addCandidate(candidate: RelayCandidate, base: TurnRelayBase): void;
  /** Reports a server that failed. */
  reportError(error: RelayGatherError): void;
}

/** RFC 8445 §5.1.2.1 type preference of relayed candidates. */
const RELAY_TYPE_PREFERENCE = 0;

/** Relay candidate priority (RFC 8445 §5.1.2.1): type preference 0. */
export function relayPriority(localPreference: number, component = 1): number {
  return RELAY_TYPE_PREFERENCE * 2 ** 24 + localPreference * 2 ** 8 + (256 - component);
}

/**
 * Foundation of a relay candidate (RFC 8445 §5.1.1.3): equal for candidates
 * of the same type, base IP, server and transport. The same FNV-1a scheme as
 * @purertc/ice's `candidateFoundation`, so both produce one value.
 */
export function relayFoundation(relayedAddress: string, server: string): string {
  let hash = 0x811c9dc5;
  const text = `relay|${relayedAddress}|${server}|udp`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return String(hash);
}

/** The `turn:` (UDP or TCP) and `turns:` (TLS) URLs of a config; `stun:` and others are skipped. */
export function turnUrls(config: TurnServerConfig): string[] {
  const list = Array.isArray(config.urls) ? config.urls : [config.urls];
  const out: string[] = [];
  for (const url of list) {
    const t = url.trim();
    const secure = /^turns:/i.test(t);
    if (!secure && !/^turn:/i.test(t)) continue;
    const transport = /[?&]transport=([^&]*)/i.exec(t)?.[1]?.toLowerCase();
    if (transport && transport !== "tcp" && (secure || transport !== "udp")) continue;
    out.push(t);
  }
  return out;
}

/**
 * Gathers relay candidates (RFC 8445 §5.1.1.2, RFC 8656): one allocation per
 * `turn:` URL, each announced as a `relay` candidate whose base is the
 * allocation ({@link TurnRelayBase}). It has the shape of @purertc/ice's
 * `CandidateGatherer`: pass it in `IceAgentOptions.gatherers` (with
 * `relayOnly: true` for `iceTransportPolicy: "relay"`).
 *
 * ```ts
 * const agent = new IceAgent({
 *   gatherers: [new TurnRelayGatherer([{ urls: "turn:127.0.0.1:3478", username: "user", credential: "pass" }])],
 *   relayOnly: true,
 * });
 * ```
 */
export class TurnRelayGatherer {
  /** For logs and candidate errors. */
  readonly name = "relay";

  /**
   * @param servers - TURN servers as RTCIceServer entries
   * @param clientOptions - extra {@link TurnClient} options (timing, closeTimeoutMs, …)
   */
  constructor(
    private readonly servers: TurnServerConfig[],
    private readonly clientOptions: Partial<Omit<TurnClientOptions, "server" | "username" | "password">> = {},
  ) {}

  /** Allocates on every server at once; resolves when each has a candidate or an error. */
  async gather(ctx: RelayGatherContext): Promise<void> {
    const jobs: Promise<void>[] = [];
    let index = 0;
    for (const server of this.servers) {
      for (const url of turnUrls(server)) {
        const localPreference = Math.max(0, 65535 - index++ * 256);
        jobs.push(this.allocateOne(ctx, url, server, localPreference));
      }
    }
    await Promise.all(jobs);
  }

  private async allocateOne(
    ctx: RelayGatherContext,
    url: string,
    server: TurnServerConfig,
    localPreference: number,
  ): Promise<void> {
    if (ctx.signal.aborted) return;
    let client: TurnClient;
    try {
      client = new TurnClient({
        ...this.clientOptions,
        server: url,
        username: server.username,
        password: server.credential,
        registry: ctx.registry,
      });
    } catch (error) {
      ctx.reportError({ address: "", port: 0, url, errorCode: 701, errorText: (error as Error).message });
      return;
    }
    // Until the base is handed over, the gathering signal owns the client.
    const onAbort = () => void client.close();
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    try {
      const info = await client.allocate();
      if (ctx.signal.aborted) {
        await client.close();
        return;
      }
      const base = new TurnRelayBase(client);
      const normalized = `turn:${client.server!.address.includes(":") ? `[${client.server!.address}]` : client.server!.address}:${client.server!.port}`;
      ctx.addBase(base);
      ctx.addCandidate(
        {
          foundation: relayFoundation(info.relayed.address, normalized),
          component: ctx.component,
          transport: "udp",
          priority: relayPriority(localPreference, ctx.component),
          address: info.relayed.address,
          port: info.relayed.port,
          type: "relay",
          relatedAddress: info.mapped?.address,
          relatedPort: info.mapped?.port,
          extensions: [],
        },
        base,
      );
    } catch (error) {
      const local = client.localAddress;
      await client.close();
      if (ctx.signal.aborted) return;
      const status = error instanceof TurnError ? error.status : undefined;
      ctx.reportError({
        address: local?.address ?? "",
        port: local?.port ?? 0,
        url,
        errorCode: status ?? 701,
        errorText: (error as Error).message,
      });
    } finally {
      ctx.signal.removeEventListener("abort", onAbort);
    }
  }
}
