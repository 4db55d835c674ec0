import type { EventEmitter } from "node:events";
import { childController, createDebug, SocketRegistry } from "@purertc/socket";
import type { StunTransactionManager } from "@purertc/stun";
import { LongTermAuth } from "./auth.js";
import { CHANNEL_REFRESH_MS, type Channel, ChannelTable } from "./channels.js";
import { TurnError } from "./errors.js";
import { PERMISSION_REFRESH_MS, type Permission, PermissionTable } from "./permissions.js";
import type { ServerLink } from "./server-link.js";
import type {
  PeerAddress,
  TurnAllocationInfo,
  TurnClientEvents,
  TurnClientOptions,
  TurnClientState,
  TurnClientStats,
  TurnTiming,
} from "./types.js";

export const log = createDebug("purertc:turn");

// What each part offers the others, declared here so that this hub imports none of them (the parts import it):
// maintenance.ts, permission-requests.ts, channel-binder.ts and data-path.ts implement these.

/** Allocation refresh and the timer that keeps permissions and channels fresh (maintenance.ts). */
export interface MaintenancePart {
  scheduleRefresh(lifetime: number): void;
  refresh(lifetime?: number): Promise<number>;
  reschedule(): void;
  stop(): void;
}

/** CreatePermission requests (permission-requests.ts). */
export interface PermissionRequestsPart {
  createPermission(ips: string[]): Promise<void>;
  send(list: Permission[]): void;
}

/** ChannelBind requests and the channel numbers (channel-binder.ts). */
export interface ChannelBinderPart {
  bindChannel(port: number, address: string): Promise<number>;
  reserve(port: number, address: string): Channel | undefined;
  send(channel: Channel): Promise<void>;
  clear(): void;
}

/** Send and Data indications and ChannelData both ways (data-path.ts). */
export interface DataPathPart {
  sendTo(data: Uint8Array, port: number, address: string): boolean;
  transmit(data: Uint8Array, port: number, address: string): void;
  receive(data: Uint8Array): void;
}

/**
 * What the parts of one {@link TurnClient} share: options, counters, the
 * cancellation roots, the credential state, the permission and channel
 * tables, the link to the server, and the state machine. The parts
 * (allocation refresh, permissions, channel bindings, data path) are wired
 * in by the client's constructor and reach each other through here.
 */
export class ClientState {
  /** Counters (the client's public `stats`). */
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

  /** The client: it emits the events and owns the sockets in the registry. */
  readonly client: EventEmitter<TurnClientEvents>;
  readonly options: TurnClientOptions;
  readonly registry: SocketRegistry;
  /** Cancellation root: aborted last by close(). */
  readonly controller = new AbortController();
  /** Maintenance and user operations; aborted first by close(), before deallocating. */
  readonly work: AbortController;
  /** Credential state of the current server (replaced on a 300 redirect). */
  auth: LongTermAuth;
  readonly permissions: PermissionTable;
  readonly channels: ChannelTable;
  readonly timing: Required<Omit<TurnTiming, "refreshAfterMs">> & {
    refreshAfterMs: number | undefined;
  };
  manager: StunTransactionManager | undefined;
  link: ServerLink | undefined;
  serverAddress: PeerAddress | undefined;
  currentState: TurnClientState = "new";
  info: TurnAllocationInfo | undefined;
  failure: Error | undefined;

  // The parts, set by the client's constructor right after this one.
  maintenance!: MaintenancePart;
  permissionRequests!: PermissionRequestsPart;
  channelBinder!: ChannelBinderPart;
  data!: DataPathPart;

  constructor(client: EventEmitter<TurnClientEvents>, options: TurnClientOptions) {
    this.client = client;
    this.options = options;
    this.registry = options.registry ?? SocketRegistry.default;
    this.work = childController(this.controller.signal);
    this.auth = this.freshAuth();
    this.timing = {
      permissionRefreshMs: options.timing?.permissionRefreshMs ?? PERMISSION_REFRESH_MS,
      channelRefreshMs: options.timing?.channelRefreshMs ?? CHANNEL_REFRESH_MS,
      refreshMarginMs: options.timing?.refreshMarginMs ?? 60_000,
      retryMs: options.timing?.retryMs ?? 5_000,
      refreshAfterMs: options.timing?.refreshAfterMs,
    };
    this.permissions = new PermissionTable(this.timing.permissionRefreshMs);
    this.channels = new ChannelTable(this.timing.channelRefreshMs);
  }

  /** A credential state with no REALM or NONCE yet (a new server starts from scratch). */
  freshAuth(): LongTermAuth {
    return new LongTermAuth(
      this.options.username,
      this.options.password,
      this.options.algorithms ?? ["md5", "sha256"],
    );
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this.currentState === "closing" || this.currentState === "closed";
  }

  setState(state: TurnClientState): void {
    if (this.currentState === state) return;
    log("%s → %s", this.currentState, state);
    this.currentState = state;
    try {
      this.client.emit("state", state);
    } catch (error) {
      // A listener that throws must not break allocation or teardown.
      log("state listener threw: %s", (error as Error).message);
    }
  }

  assertAllocated(): void {
    if (this.closed) throw new TurnError("ERR_CLOSED", "the TURN client is closed");
    if (this.currentState !== "allocated") {
      throw new TurnError("ERR_STATE", `the TURN client is ${this.currentState}, not allocated`);
    }
  }
}
