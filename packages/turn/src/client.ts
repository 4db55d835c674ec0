import { EventEmitter } from "node:events";
import { childController, setTimer, whenAborted } from "@purertc/socket";
import { type StunAddress, StunMethod, type TransactionStats } from "@purertc/stun";
import { runAllocate } from "./allocation.js";
import { ChannelBinder } from "./channel-binder.js";
import type { Channel } from "./channels.js";
import { ClientState, log } from "./client-state.js";
import { DataPath } from "./data-path.js";
import { TurnError, toTurnError } from "./errors.js";
import { Maintenance } from "./maintenance.js";
import { PermissionRequests } from "./permission-requests.js";
import { request } from "./request.js";
import type { LinkHandlers } from "./server-link.js";
import type {
  PeerAddress,
  TurnAllocationInfo,
  TurnClientEvents,
  TurnClientOptions,
  TurnClientState,
  TurnClientStats,
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
  readonly stats: TurnClientStats;

  /** Everything the parts of this client share (see client-state.ts). */
  private readonly s: ClientState;
  private allocating: Promise<TurnAllocationInfo> | undefined;
  private closing: Promise<void> | undefined;
  private readonly handlers: LinkHandlers = {
    message: (data) => this.s.data.receive(data),
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
    const s = new ClientState(this, options);
    s.maintenance = new Maintenance(s);
    s.permissionRequests = new PermissionRequests(s);
    s.channelBinder = new ChannelBinder(s);
    s.data = new DataPath(s);
    this.s = s;
    this.stats = s.stats;
    const unlinkParent = whenAborted(options.signal, () => void this.close());
    s.controller.signal.addEventListener("abort", unlinkParent, { once: true });
  }

  /** The current state (see {@link TurnClientState}). */
  get state(): TurnClientState {
    return this.s.currentState;
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this.s.closed;
  }

  /** The allocation, once allocated. */
  get allocation(): TurnAllocationInfo | undefined {
    return this.s.info;
  }

  /** The relayed address, once allocated. */
  get relayedAddress(): StunAddress | undefined {
    return this.s.info?.relayed;
  }

  /** The server's transport address (resolved), once allocate() started. */
  get server(): PeerAddress | undefined {
    return this.s.serverAddress;
  }

  /** Our local socket address, once allocate() opened it. */
  get localAddress(): PeerAddress | undefined {
    return this.s.link?.local();
  }

  /** The transport to the server (`udp`, `tcp` or `tls`), once allocate() connected. */
  get transport(): "udp" | "tcp" | "tls" | undefined {
    return this.s.link?.transport;
  }

  /** Why the allocation failed (state `failed`), if it did. */
  get error(): Error | undefined {
    return this.s.failure;
  }

  /** Counters of the STUN transactions (requests, retransmissions, rejected responses). */
  get transactionStats(): TransactionStats | undefined {
    return this.s.manager?.stats;
  }

  /** Peer IPs with an installed permission. */
  get permittedPeers(): string[] {
    return this.s.permissions.installedIps();
  }

  /** Live channel bindings (`binding` or `bound`). */
  get boundChannels(): ReadonlyArray<Readonly<Channel>> {
    return this.s.channels.list();
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
      this.allocating = runAllocate(this.s, this.handlers).catch(async (error: unknown) => {
        const wrapped = this.closed
          ? new TurnError("ERR_CLOSED", "the TURN client was closed", { cause: error })
          : toTurnError(error, "ERR_ALLOCATE");
        if (!this.closed) {
          this.s.failure = wrapped;
          await this.close();
        }
        throw wrapped;
      });
    }
    return this.allocating;
  }

  /**
   * Refreshes the allocation now (RFC 8656 §8), asking for `lifetime`
   * seconds (default: the option, else the server's default). Runs on its
   * own before expiry; call it only to change the lifetime.
   * @returns the granted lifetime
   */
  refresh(lifetime?: number): Promise<number> {
    return this.s.maintenance.refresh(lifetime);
  }

  // ---------------------------------------------------------------- permissions and channels

  /**
   * Installs permissions for these peer IPs (one CreatePermission, RFC 8656
   * §9) and keeps them refreshed. sendTo() does this on its own.
   * @throws TurnError `ERR_REQUEST` (refused, with `status`), `ERR_TIMEOUT`, `ERR_STATE`, `ERR_CLOSED`
   */
  createPermission(...ips: string[]): Promise<void> {
    return this.s.permissionRequests.createPermission(ips);
  }

  /**
   * Binds a channel to a peer (ChannelBind, RFC 8656 §11) and keeps it
   * refreshed; data to and from the peer then goes as ChannelData. sendTo()
   * does this on its own unless the `channels` option is false.
   * @returns the channel number
   * @throws TurnError `ERR_REQUEST`, `ERR_NO_CHANNEL`, `ERR_TIMEOUT`, `ERR_STATE`, `ERR_CLOSED`
   */
  bindChannel(port: number, address: string): Promise<number> {
    return this.s.channelBinder.bindChannel(port, address);
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
    return this.s.data.sendTo(data, port, address);
  }

  /** The TCP connection to the server closed underneath: the allocation is gone with it (RFC 8656 §3.1). */
  private linkLost(): void {
    const s = this.s;
    if (s.closed) return;
    const error = new TurnError("ERR_CLOSED", "the connection to the TURN server was lost");
    s.failure ??= error;
    s.maintenance.stop();
    // Requests in flight would wait 39.5 s on a dead stream: end them now.
    s.manager?.close();
    if (s.currentState === "allocated") s.setState("failed");
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
    const s = this.s;
    const wasAllocated = s.currentState === "allocated";
    s.setState("closing");
    s.work.abort(new TurnError("ERR_CLOSED", "the TURN client was closed"));
    s.maintenance.stop();
    const closedError = new TurnError("ERR_CLOSED", "the TURN client was closed");
    s.permissions.clear(closedError);
    if (wasAllocated && s.manager && s.serverAddress && s.link && !s.link.closed) {
      const bounded = childController(s.controller.signal);
      setTimer(() => bounded.abort(), s.options.closeTimeoutMs ?? 1000, bounded.signal);
      try {
        await request(s, StunMethod.Refresh, (b) => b.lifetime(0), bounded.signal);
        log("deallocated");
      } catch (error) {
        // Best effort: a silent server keeps the allocation until it expires.
        log("deallocation not confirmed: %s", (error as Error).message);
      } finally {
        bounded.abort();
      }
    }
    s.controller.abort(closedError);
    s.manager?.close();
    s.channels.clear();
    s.channelBinder.clear();
    await s.link?.close();
    s.setState("closed");
    this.removeAllListeners("message");
  }

  /** Same as {@link TurnClient.close}; makes `await using` work. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
