import { EventEmitter } from "node:events";
import { type CancelTimer, childController, createDebug, SocketRegistry, setTimer } from "@purertc/socket";
import {
  decodeMessage,
  ipFamily,
  isStunPacket,
  type StunAddress,
  StunClass,
  StunError,
  type StunMessage,
  StunMessageBuilder,
  StunMethod,
  StunTransactionManager,
  type TransactionStats,
} from "@purertc/stun";
import { LongTermAuth } from "./auth.js";
import { decodeChannelData, encodeChannelData, isChannelData } from "./channel-data.js";
import { CHANNEL_REFRESH_MS, type Channel, ChannelTable } from "./channels.js";
import { TurnError, toTurnError } from "./errors.js";
import { checkPeer, toStunAddress } from "./peer.js";
import {
  PERMISSION_QUEUE_LIMIT,
  PERMISSION_REFRESH_MS,
  type Permission,
  PermissionTable,
} from "./permissions.js";
import { resolveServer } from "./server-address.js";
import { type LinkHandlers, type ServerLink, TcpServerLink, UdpServerLink } from "./server-link.js";
import type {
  PeerAddress,
  TurnAllocationInfo,
  TurnClientEvents,
  TurnClientOptions,
  TurnClientState,
  TurnClientStats,
  TurnTiming,
} from "./types.js";

export type {
  PeerAddress,
  TurnAllocationInfo,
  TurnClientEvents,
  TurnClientOptions,
  TurnClientState,
  TurnClientStats,
  TurnTiming,
} from "./types.js";

const log = createDebug("purertc:turn");

/** REQUESTED-TRANSPORT protocol number of UDP (RFC 8656 §14.7). */
const UDP = 17;

/**
 * A TURN client (RFC 8656): one socket (UDP, or a TCP connection) to one server, holding one
 * allocation. After {@link TurnClient.allocate} it behaves like a UDP socket
 * on the relayed address: {@link TurnClient.sendTo} a peer, `message` events
 * from peers, {@link TurnClient.close}.
 *
 * It authenticates with the long-term credential mechanism (401 → REALM and
 * NONCE → signed retry; 438 → new nonce; MD5 or SHA-256 keys, RFC 8489 §9.2),
 * refreshes the allocation before it expires, installs and refreshes
 * permissions for the peers it sends to (every 4 minutes), binds channels to
 * them (ChannelData, refreshed before 10 minutes), and deallocates on close
 * with a bounded wait. Unauthenticated or malformed datagrams are ignored and
 * counted in {@link TurnClient.stats}.
 *
 * ```ts
 * await using turn = new TurnClient({ server: "127.0.0.1:3478", username: "user", password: "pass" });
 * const { relayed } = await turn.allocate();
 * turn.on("message", (data, peer) => console.log(peer, data));
 * turn.sendTo(new TextEncoder().encode("hi"), 40000, "127.0.0.1");
 * ```
 */
export class TurnClient extends EventEmitter<TurnClientEvents> implements AsyncDisposable {
  /** Counters (live object). */
  readonly stats: TurnClientStats = {
    malformed: 0,
    unauthenticated: 0,
    foreign: 0,
    unknownChannel: 0,
    unexpected: 0,
    dataIndications: 0,
    channelDataIn: 0,
    sendIndications: 0,
    channelDataOut: 0,
    dropped: 0,
    refreshes: 0,
    permissionRequests: 0,
    channelBinds: 0,
    allocationMismatches: 0,
    redirects: 0,
    staleNonces: 0,
  };

  private readonly options: TurnClientOptions;
  private readonly registry: SocketRegistry;
  /** Cancellation root: aborted last by close(). */
  private readonly controller = new AbortController();
  /** Maintenance and user operations; aborted first by close(), before deallocating. */
  private readonly work: AbortController;
  /** Credential state of the current server (replaced on a 300 redirect). */
  private auth: LongTermAuth;
  private readonly permissions: PermissionTable;
  private readonly channels: ChannelTable;
  private readonly timing: Required<Omit<TurnTiming, "refreshAfterMs">> & {
    refreshAfterMs: number | undefined;
  };
  private manager: StunTransactionManager | undefined;
  private link: ServerLink | undefined;
  private serverAddress: PeerAddress | undefined;
  private currentState: TurnClientState = "new";
  private info: TurnAllocationInfo | undefined;
  private refreshAt = Number.POSITIVE_INFINITY;
  private expiresAt = Number.POSITIVE_INFINITY;
  private cancelMaintenance: CancelTimer | undefined;
  private maintenanceAt = Number.POSITIVE_INFINITY;
  private allocating: Promise<TurnAllocationInfo> | undefined;
  private closing: Promise<void> | undefined;
  private failure: Error | undefined;
  private readonly onParentAbort: (() => void) | undefined;
  private readonly handlers: LinkHandlers = {
    message: (data) => this.receive(data),
    foreign: () => {
      this.stats.foreign++;
    },
    malformed: () => {
      this.stats.malformed++;
    },
    lost: () => this.linkLost(),
  };

  /** Creates the client; nothing is sent until {@link TurnClient.allocate}. */
  constructor(options: TurnClientOptions) {
    super();
    this.options = options;
    this.registry = options.registry ?? SocketRegistry.default;
    this.work = childController(this.controller.signal);
    this.auth = new LongTermAuth(options.username, options.password, options.algorithms ?? ["md5", "sha256"]);
    this.timing = {
      permissionRefreshMs: options.timing?.permissionRefreshMs ?? PERMISSION_REFRESH_MS,
      channelRefreshMs: options.timing?.channelRefreshMs ?? CHANNEL_REFRESH_MS,
      refreshMarginMs: options.timing?.refreshMarginMs ?? 60_000,
      retryMs: options.timing?.retryMs ?? 5_000,
      refreshAfterMs: options.timing?.refreshAfterMs,
    };
    this.permissions = new PermissionTable(this.timing.permissionRefreshMs);
    this.channels = new ChannelTable(this.timing.channelRefreshMs);
    if (options.signal) {
      const parent = options.signal;
      if (parent.aborted) void this.close();
      else {
        this.onParentAbort = () => void this.close();
        parent.addEventListener("abort", this.onParentAbort, { once: true });
        this.controller.signal.addEventListener(
          "abort",
          () => parent.removeEventListener("abort", this.onParentAbort!),
          { once: true },
        );
      }
    }
  }

  /** The current state (see {@link TurnClientState}). */
  get state(): TurnClientState {
    return this.currentState;
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this.currentState === "closing" || this.currentState === "closed";
  }

  /** The allocation, once allocated. */
  get allocation(): TurnAllocationInfo | undefined {
    return this.info;
  }

  /** The relayed address, once allocated. */
  get relayedAddress(): StunAddress | undefined {
    return this.info?.relayed;
  }

  /** The server's transport address (resolved), once allocate() started. */
  get server(): PeerAddress | undefined {
    return this.serverAddress;
  }

  /** Our local socket address, once allocate() opened it. */
  get localAddress(): PeerAddress | undefined {
    return this.link?.local();
  }

  /** The transport to the server (`udp`, `tcp` or `tls`), once allocate() connected. */
  get transport(): "udp" | "tcp" | "tls" | undefined {
    return this.link?.transport;
  }

  /** Why the allocation failed (state `failed`), if it did. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Counters of the STUN transactions (requests, retransmissions, rejected responses). */
  get transactionStats(): TransactionStats | undefined {
    return this.manager?.stats;
  }

  /** Peer IPs with an installed permission. */
  get permittedPeers(): string[] {
    return this.permissions.installedIps();
  }

  /** Live channel bindings (`binding` or `bound`). */
  get boundChannels(): ReadonlyArray<Readonly<Channel>> {
    return this.channels.list();
  }

  private setState(state: TurnClientState): void {
    if (this.currentState === state) return;
    log("%s → %s", this.currentState, state);
    this.currentState = state;
    try {
      this.emit("state", state);
    } catch (error) {
      // A listener that throws must not break allocation or teardown.
      log("state listener threw: %s", (error as Error).message);
    }
  }

  // ---------------------------------------------------------------- allocate

  /**
   * Opens the socket and allocates (RFC 8656 §7.1), authenticating as the
   * server asks. Calling it again returns the same promise.
   * @throws TurnError `ERR_AUTH` (credentials refused), `ERR_ALLOCATE` (other error response,
   *   with `status`), `ERR_TIMEOUT`, `ERR_PROTOCOL`, `ERR_CLOSED` (closed meanwhile),
   *   `ERR_INVALID_ARGUMENT` (bad server address)
   */
  allocate(): Promise<TurnAllocationInfo> {
    if (!this.allocating) {
      this.allocating = this.runAllocate().catch(async (error: unknown) => {
        const wrapped = this.closed
          ? new TurnError("ERR_CLOSED", "the TURN client was closed", { cause: error })
          : toTurnError(error, "ERR_ALLOCATE");
        if (!this.closed) {
          this.failure = wrapped;
          await this.close();
        }
        throw wrapped;
      });
    }
    return this.allocating;
  }

  private async runAllocate(): Promise<TurnAllocationInfo> {
    if (this.closed) throw new TurnError("ERR_CLOSED", "the TURN client is closed");
    const signal = this.work.signal;
    const server = await resolveServer(this.options.server);
    if (signal.aborted) throw new TurnError("ERR_CLOSED", "the TURN client was closed");
    let target: PeerAddress = { address: server.address, port: server.port };
    this.serverAddress = target;
    const transport = this.options.transport ?? server.transport;
    const started = performance.now();
    let response: StunMessage | undefined;
    let mismatches = 0;
    let redirects = 0;
    let port = this.options.localPort;
    for (;;) {
      // The new link is open before the old one closes, so it gets another port.
      const previous = this.link;
      const link = await this.openLink(target, transport, port);
      this.link = link; // visible to close() from now on
      this.manager?.close();
      await previous?.close();
      this.manager = new StunTransactionManager({
        send: (data) => link.send(data),
        signal: this.controller.signal,
        rto: this.options.rto ?? 500,
        rc: this.options.rc ?? 7,
      });
      if (signal.aborted) throw new TurnError("ERR_CLOSED", "the TURN client was closed");
      if (this.currentState === "new") this.setState("allocating");
      response = await this.request(
        StunMethod.Allocate,
        (b) => {
          b.requestedTransport(UDP);
          if (this.options.relayFamily) b.requestedAddressFamily(this.options.relayFamily);
          if (this.options.lifetime !== undefined) b.lifetime(this.options.lifetime);
        },
        signal,
        [300, 437],
      );
      if (response.messageClass === StunClass.SuccessResponse) break;
      const code = response.errorCode?.code ?? 0;
      port = 0;
      if (code === 437 && mismatches < 2) {
        // 437 Allocation Mismatch: this 5-tuple already holds an allocation (a
        // client that died on the same local port): try another port (RFC 8656 §7.4).
        mismatches++;
        this.stats.allocationMismatches++;
        log("437 Allocation Mismatch from port %s: retrying from another local port", link.local()?.port);
        continue;
      }
      let alternate: StunAddress | undefined;
      try {
        alternate = response.alternateServer;
      } catch {
        alternate = undefined;
      }
      const current = target;
      if (
        code === 300 &&
        redirects < 2 &&
        alternate &&
        ipFamily(alternate.address) === ipFamily(current.address) &&
        !(alternate.address === current.address && alternate.port === current.port)
      ) {
        // 300 Try Alternate (RFC 8489 §10): start over with the other server, whose nonce is its own.
        redirects++;
        this.stats.redirects++;
        log("300 Try Alternate: %s:%d", alternate.address, alternate.port);
        target = { address: alternate.address, port: alternate.port };
        this.serverAddress = target;
        this.auth = new LongTermAuth(
          this.options.username,
          this.options.password,
          this.options.algorithms ?? ["md5", "sha256"],
        );
        this.setState("allocating");
        continue;
      }
      throw new TurnError("ERR_ALLOCATE", `Allocate failed: ${code} ${safeReason(response)}`, {
        status: code,
      });
    }
    const relayed = response.xorRelayedAddress;
    if (!relayed)
      throw new TurnError("ERR_PROTOCOL", "Allocate success without XOR-RELAYED-ADDRESS (RFC 8656 §7.3)");
    const lifetime = response.lifetime ?? this.options.lifetime ?? 600;
    this.info = {
      relayed,
      mapped: response.xorMappedAddress,
      lifetime,
      elapsedMs: performance.now() - started,
      algorithm: this.auth.algorithm,
      software: response.software,
    };
    this.scheduleRefresh(lifetime);
    this.setState("allocated");
    log("allocated %s:%d (mapped %o) for %d s", relayed.address, relayed.port, this.info.mapped, lifetime);
    this.reschedule();
    return this.info;
  }

  /** Opens the socket (or connection) to the server; closes it again if close() ran meanwhile. */
  private async openLink(
    server: PeerAddress,
    transport: "udp" | "tcp" | "tls",
    port: number | undefined,
  ): Promise<ServerLink> {
    const local = { address: this.options.localAddress, port };
    const link =
      transport === "udp"
        ? await UdpServerLink.open(this.registry, this, server, local, this.controller.signal, this.handlers)
        : await TcpServerLink.open(
            server,
            local,
            this.controller.signal,
            this.handlers,
            transport === "tls" ? (this.options.tls ?? {}) : undefined,
          );
    if (this.controller.signal.aborted) {
      // close() ran while the link opened: it could not see it.
      await link.close();
      throw new TurnError("ERR_CLOSED", "the TURN client was closed");
    }
    return link;
  }

  /**
   * Sends one signed request and handles the credential dance: 401 and 438
   * answers update REALM/NONCE and the request is sent again (bounded), any
   * other error response rejects with `ERR_REQUEST`/`ERR_ALLOCATE` and its
   * status. Responses that fail integrity are dropped by the transaction
   * manager, which keeps retransmitting.
   */
  private async request(
    method: number,
    build: (b: StunMessageBuilder) => void,
    signal: AbortSignal,
    passThrough: readonly number[] = [],
  ): Promise<StunMessage> {
    const manager = this.manager;
    const server = this.serverAddress;
    if (!manager || !server) throw new TurnError("ERR_STATE", "the TURN client has no socket yet");
    for (let attempt = 0; attempt < 8; attempt++) {
      const builder = new StunMessageBuilder(method, StunClass.Request);
      build(builder);
      if (this.options.software) builder.software(this.options.software);
      const signed = this.auth.ready;
      if (method === StunMethod.Allocate && signed && this.currentState === "allocating") {
        this.setState("authenticating");
      }
      const bytes = builder.encode(this.auth.sign(builder));
      const key = this.auth.currentKey;
      let response: StunMessage;
      try {
        const result = await manager.request(bytes, server, {
          signal,
          reliable: this.link?.reliable === true,
          ...(key ? { key, acceptUnauthenticatedErrors: true } : {}),
        });
        response = result.response;
      } catch (error) {
        throw toTurnError(error, method === StunMethod.Allocate ? "ERR_ALLOCATE" : "ERR_REQUEST");
      }
      if (response.messageClass === StunClass.SuccessResponse) {
        // A success to an unsigned Allocate: a server without authentication. Accept it.
        this.auth.succeeded();
        return response;
      }
      let code: number;
      try {
        code = response.errorCode?.code ?? 0;
      } catch {
        code = 0;
      }
      if (signed && code !== 401 && code !== 438 && !response.hasIntegrity && !response.hasIntegritySha256) {
        // Servers sign their errors to signed requests (coturn does); an unsigned
        // one is forged or broken: ignore it and ask again (bounded by the loop).
        this.stats.unauthenticated++;
        log("ignored an unauthenticated %d to %s", code, methodLabel(method));
        continue;
      }
      if (code === 401 || code === 438) {
        // Error responses to signed requests that carry integrity were checked
        // by the manager; 401/438 normally carry none (RFC 8489 §9.2.4).
        if (code === 438) this.stats.staleNonces++;
        const outcome = this.auth.challenge(response, code, signed);
        if (outcome.retry) continue;
        throw new TurnError(
          code === 401 ? "ERR_AUTH" : "ERR_REQUEST",
          `${methodLabel(method)}: ${outcome.reason}`,
          {
            status: code,
          },
        );
      }
      // Any other error: authenticated when the request was signed (checked above and by the manager).
      if (passThrough.includes(code)) return response;
      const reason = safeReason(response);
      throw new TurnError(
        method === StunMethod.Allocate ? "ERR_ALLOCATE" : "ERR_REQUEST",
        `${methodLabel(method)} failed: ${code} ${reason}`,
        { status: code },
      );
    }
    throw new TurnError("ERR_AUTH", `${methodLabel(method)}: too many authentication rounds`);
  }

  // ---------------------------------------------------------------- refresh

  private scheduleRefresh(lifetime: number): void {
    const now = performance.now();
    const ms = lifetime * 1000;
    this.expiresAt = now + ms;
    this.refreshAt = now + (this.timing.refreshAfterMs ?? ms - Math.min(this.timing.refreshMarginMs, ms / 2));
  }

  /**
   * Refreshes the allocation now (RFC 8656 §8), asking for `lifetime`
   * seconds (default: the option, else the server's default). Runs on its
   * own before expiry; call it only to change the lifetime.
   * @returns the granted lifetime
   */
  async refresh(lifetime?: number): Promise<number> {
    this.assertAllocated();
    const wanted = lifetime ?? this.options.lifetime;
    const response = await this.request(
      StunMethod.Refresh,
      (b) => {
        if (wanted !== undefined) b.lifetime(wanted);
      },
      this.work.signal,
    );
    const granted = response.lifetime ?? wanted ?? 600;
    this.stats.refreshes++;
    if (this.info) this.info.lifetime = granted;
    this.scheduleRefresh(granted);
    this.reschedule();
    return granted;
  }

  // ---------------------------------------------------------------- permissions and channels

  /**
   * Installs permissions for these peer IPs (one CreatePermission, RFC 8656
   * §9) and keeps them refreshed. sendTo() does this on its own.
   * @throws TurnError `ERR_REQUEST` (refused, with `status`), `ERR_TIMEOUT`, `ERR_STATE`, `ERR_CLOSED`
   */
  async createPermission(...ips: string[]): Promise<void> {
    this.assertAllocated();
    const waits: Promise<void>[] = [];
    for (const ip of ips) {
      if (!ipFamily(ip)) throw new TurnError("ERR_INVALID_ARGUMENT", `"${ip}" is not an IP address`);
      const { permission } = this.permissions.ensure(ip);
      if (permission.state === "installed") continue;
      waits.push(new Promise<void>((resolve, reject) => permission.waiters.push({ resolve, reject })));
    }
    this.reschedule();
    await Promise.all(waits);
  }

  /**
   * Binds a channel to a peer (ChannelBind, RFC 8656 §11) and keeps it
   * refreshed; data to and from the peer then goes as ChannelData. sendTo()
   * does this on its own unless the `channels` option is false.
   * @returns the channel number
   * @throws TurnError `ERR_REQUEST`, `ERR_NO_CHANNEL`, `ERR_TIMEOUT`, `ERR_STATE`, `ERR_CLOSED`
   */
  async bindChannel(port: number, address: string): Promise<number> {
    this.assertAllocated();
    checkPeer(port, address);
    let channel = this.channels.forPeer(address, port);
    if (channel?.state === "bound") return channel.number;
    if (!channel) channel = this.reserveChannel(port, address);
    if (!channel) throw new TurnError("ERR_NO_CHANNEL", "all 4096 channel numbers are in use (RFC 8656 §12)");
    await this.sendChannelBind(channel);
    return channel.number;
  }

  private reserveChannel(port: number, address: string): Channel | undefined {
    const channel = this.channels.reserve(address, port);
    if (channel) channel.refreshAt = Number.POSITIVE_INFINITY; // bound below, not by the timer
    return channel;
  }

  private channelBinds = new Map<Channel, Promise<void>>();

  private sendChannelBind(channel: Channel): Promise<void> {
    const existing = this.channelBinds.get(channel);
    if (existing) return existing;
    channel.refreshAt = Number.POSITIVE_INFINITY;
    const done = this.request(
      StunMethod.ChannelBind,
      (b) => {
        b.channelNumber(channel.number);
        b.xorPeerAddress(toStunAddress(channel.address, channel.port));
      },
      this.work.signal,
    )
      .then(
        () => {
          this.stats.channelBinds++;
          this.channels.bound(channel, performance.now());
          // A ChannelBind installs or refreshes the permission too (RFC 8656 §11.2).
          const permission = this.permissions.get(channel.address);
          if (permission?.state === "installed")
            permission.refreshAt = Math.max(
              permission.refreshAt,
              performance.now() + this.timing.permissionRefreshMs,
            );
          log("channel 0x%s bound to %s", channel.number.toString(16), channel.key);
        },
        (error: unknown) => {
          this.channels.failed(channel);
          log(
            "ChannelBind 0x%s for %s failed: %s",
            channel.number.toString(16),
            channel.key,
            (error as Error).message,
          );
          throw toTurnError(error, "ERR_REQUEST");
        },
      )
      .finally(() => {
        this.channelBinds.delete(channel);
        this.reschedule();
      });
    this.channelBinds.set(channel, done);
    return done;
  }

  private sendCreatePermission(list: Permission[]): void {
    if (list.length === 0) return;
    this.permissions.inFlight(list);
    void this.request(
      StunMethod.CreatePermission,
      (b) => {
        for (const p of list) b.xorPeerAddress(toStunAddress(p.ip, 0));
      },
      this.work.signal,
    )
      .then(
        () => {
          this.stats.permissionRequests++;
          const now = performance.now();
          for (const p of list) {
            const queued = this.permissions.installed(p, now);
            for (const q of queued) this.transmit(q.data, q.port, p.ip);
          }
        },
        (error: unknown) => {
          const e = toTurnError(error, "ERR_REQUEST");
          log("CreatePermission failed: %s", e.message);
          for (const p of list) {
            this.stats.dropped += p.queue.length;
            this.permissions.failed(p, e);
          }
        },
      )
      .finally(() => this.reschedule());
  }

  // ---------------------------------------------------------------- maintenance timer

  /** Sets the one maintenance timer to the earliest due time (refresh, permissions, channels). */
  private reschedule(): void {
    if (this.currentState !== "allocated" || this.work.signal.aborted) return;
    const next = Math.min(this.refreshAt, this.permissions.nextDue(), this.channels.nextDue());
    if (next === this.maintenanceAt && this.cancelMaintenance) return;
    this.cancelMaintenance?.();
    this.cancelMaintenance = undefined;
    this.maintenanceAt = next;
    if (next === Number.POSITIVE_INFINITY) return;
    const delay = Math.max(0, Math.min(next - performance.now(), 2 ** 31 - 1));
    this.cancelMaintenance = setTimer(
      () => {
        this.cancelMaintenance = undefined;
        this.maintenanceAt = Number.POSITIVE_INFINITY;
        this.maintain();
      },
      delay,
      this.work.signal,
    );
  }

  private maintain(): void {
    if (this.currentState !== "allocated") return;
    const now = performance.now();
    if (this.refreshAt <= now) {
      this.refreshAt = Number.POSITIVE_INFINITY;
      this.refresh().catch((error: unknown) => this.refreshFailed(error));
    }
    this.sendCreatePermission(this.permissions.due(now));
    for (const channel of this.channels.due(now)) {
      this.sendChannelBind(channel).catch(() => {
        // Counted and logged in sendChannelBind; data falls back to Send indications.
      });
    }
    this.reschedule();
  }

  private refreshFailed(error: unknown): void {
    if (this.currentState !== "allocated") return;
    const e = toTurnError(error, "ERR_REQUEST");
    const now = performance.now();
    // 437: the allocation is gone; 401 after retries: credentials revoked.
    const definitive = e.status === 437 || e.code === "ERR_AUTH" || e.code === "ERR_CLOSED";
    if (!definitive && now + this.timing.retryMs < this.expiresAt) {
      log("refresh failed (%s), retrying", e.message);
      this.refreshAt = now + this.timing.retryMs;
      this.reschedule();
      return;
    }
    log("allocation lost: %s", e.message);
    this.failure = e;
    this.cancelMaintenance?.();
    this.setState("failed");
  }

  // ---------------------------------------------------------------- data path

  /**
   * Sends one datagram to a peer through the relay. The first datagram to a
   * new peer IP installs a permission (and waits for it, up to 64
   * datagrams); with `channels` on, a channel is bound in the background and
   * later datagrams go as ChannelData. Like a UDP socket it never throws for
   * network trouble: datagrams that cannot go are counted in
   * `stats.dropped` and the return value is false.
   * @throws TurnError `ERR_INVALID_ARGUMENT` for a bad address or port
   */
  sendTo(data: Uint8Array, port: number, address: string): boolean {
    checkPeer(port, address);
    if (this.currentState !== "allocated") {
      this.stats.dropped++;
      return false;
    }
    const { permission, created } = this.permissions.ensure(address);
    if (permission.state === "installed") {
      this.transmit(data, port, address);
      return true;
    }
    if (permission.queue.length >= PERMISSION_QUEUE_LIMIT) {
      this.stats.dropped++;
      return false;
    }
    permission.queue.push({ data: new Uint8Array(data), port });
    if (created) this.reschedule();
    return true;
  }

  /** Sends to a peer that has a permission: ChannelData if bound, else a Send indication. */
  private transmit(data: Uint8Array, port: number, address: string): void {
    const link = this.link;
    if (!link || link.closed) {
      this.stats.dropped++;
      return;
    }
    let channel = this.channels.forPeer(address, port);
    if (channel && channel.state === "bound" && data.byteLength <= 0xffff) {
      // Over a stream ChannelData is padded to 4 bytes (RFC 8656 §12.5).
      link.send(encodeChannelData(channel.number, data, link.reliable));
      this.stats.channelDataOut++;
      return;
    }
    let bytes: Uint8Array;
    try {
      bytes = new StunMessageBuilder(StunMethod.Send, StunClass.Indication)
        .xorPeerAddress(toStunAddress(address, port))
        .data(data)
        .encode();
    } catch {
      this.stats.dropped++;
      return;
    }
    link.send(bytes);
    this.stats.sendIndications++;
    if (!channel && this.options.channels !== false) {
      channel = this.reserveChannel(port, address);
      if (channel) this.sendChannelBind(channel).catch(() => {});
    }
  }

  /** One message from the server (the link has checked where it came from). */
  private receive(data: Uint8Array): void {
    const server = this.serverAddress!;
    if (isChannelData(data)) {
      let decoded: ReturnType<typeof decodeChannelData>;
      try {
        decoded = decodeChannelData(data);
      } catch (error) {
        if (!(error instanceof TurnError)) throw error;
        this.stats.malformed++;
        return;
      }
      const channel = this.channels.byChannel(decoded.channel);
      if (!channel) {
        this.stats.unknownChannel++;
        return;
      }
      this.stats.channelDataIn++;
      this.deliver(decoded.data, channel.address, channel.port);
      return;
    }
    if (!isStunPacket(data)) {
      this.stats.malformed++;
      return;
    }
    let message: StunMessage;
    try {
      message = decodeMessage(data);
    } catch (error) {
      if (!(error instanceof StunError)) throw error;
      this.stats.malformed++;
      return;
    }
    const cls = message.messageClass;
    if (cls === StunClass.SuccessResponse || cls === StunClass.ErrorResponse) {
      const manager = this.manager;
      const before = manager?.stats.rejected ?? 0;
      if (!manager?.handle(message, server)) this.stats.unexpected++;
      this.stats.unauthenticated += (manager?.stats.rejected ?? 0) - before;
      return;
    }
    if (cls === StunClass.Indication && message.method === StunMethod.Data) {
      let peer: StunAddress | undefined;
      let payload: Uint8Array | undefined;
      try {
        peer = message.xorPeerAddress;
        payload = message.data;
      } catch {
        this.stats.malformed++;
        return;
      }
      if (!peer || !payload) {
        this.stats.malformed++;
        return;
      }
      this.stats.dataIndications++;
      this.deliver(payload, peer.address, peer.port);
      return;
    }
    this.stats.unexpected++;
  }

  private deliver(data: Uint8Array, address: string, port: number): void {
    if (this.currentState !== "allocated") return;
    try {
      this.emit("message", data, { address, port });
    } catch (error) {
      // A listener that throws must not take the socket down.
      log("message listener threw: %s", (error as Error).message);
    }
  }

  /** The TCP connection to the server closed underneath: the allocation is gone with it (RFC 8656 §3.1). */
  private linkLost(): void {
    if (this.closed) return;
    const error = new TurnError("ERR_CLOSED", "the connection to the TURN server was lost");
    this.failure ??= error;
    this.cancelMaintenance?.();
    // Requests in flight would wait 39.5 s on a dead stream: end them now.
    this.manager?.close();
    if (this.currentState === "allocated") this.setState("failed");
  }

  private assertAllocated(): void {
    if (this.closed) throw new TurnError("ERR_CLOSED", "the TURN client is closed");
    if (this.currentState !== "allocated") {
      throw new TurnError("ERR_STATE", `the TURN client is ${this.currentState}, not allocated`);
    }
  }

  // ---------------------------------------------------------------- close

  /**
   * Deallocates (Refresh with LIFETIME 0, RFC 8656 §8; waiting at most
   * `closeTimeoutMs`), stops every timer, rejects pending operations with
   * `ERR_CLOSED`, and closes the socket. Idempotent.
   */
  close(): Promise<void> {
    if (!this.closing) {
      // Set before runClose starts, so a state listener that calls close() gets this same promise.
      let done!: () => void;
      this.closing = new Promise<void>((resolve) => {
        done = resolve;
      });
      void this.runClose().then(done, done);
    }
    return this.closing;
  }

  private async runClose(): Promise<void> {
    const wasAllocated = this.currentState === "allocated";
    this.setState("closing");
    this.work.abort(new TurnError("ERR_CLOSED", "the TURN client was closed"));
    this.cancelMaintenance?.();
    const closedError = new TurnError("ERR_CLOSED", "the TURN client was closed");
    this.permissions.clear(closedError);
    if (wasAllocated && this.manager && this.serverAddress && this.link && !this.link.closed) {
      const bounded = childController(this.controller.signal);
      setTimer(() => bounded.abort(), this.options.closeTimeoutMs ?? 1000, bounded.signal);
      try {
        await this.request(StunMethod.Refresh, (b) => b.lifetime(0), bounded.signal);
        log("deallocated");
      } catch (error) {
        // Best effort: a silent server keeps the allocation until it expires.
        log("deallocation not confirmed: %s", (error as Error).message);
      } finally {
        bounded.abort();
      }
    }
    this.controller.abort(closedError);
    this.manager?.close();
    this.channels.clear();
    this.channelBinds.clear();
    await this.link?.close();
    this.setState("closed");
    this.removeAllListeners("message");
  }

  /** Same as {@link TurnClient.close}; makes `await using` work. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

// ------------------------------------------------------------------ helpers

function methodLabel(method: number): string {
  switch (method) {
    case StunMethod.Allocate:
      return "Allocate";
    case StunMethod.Refresh:
      return "Refresh";
    case StunMethod.CreatePermission:
      return "CreatePermission";
    case StunMethod.ChannelBind:
      return "ChannelBind";
    default:
      return `method 0x${method.toString(16)}`;
  }
}

function safeReason(response: StunMessage): string {
  try {
    return response.errorCode?.reason ?? "";
  } catch {
    return "";
  }
}
