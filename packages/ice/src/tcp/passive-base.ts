import { createDebug, type ManagedConnection, type ManagedServer, startTimer } from "@purertc/socket";
import type { CandidateBase } from "../gather/base.js";
import { connectionKey, FramedConnection, type FrameSink } from "./framed-connection.js";

const log = createDebug("purertc:ice:tcp");

/** Limits of a passive candidate's listener. */
export interface PassiveLimits {
  /** Accepted connections not yet authenticated, at once; more are closed at accept. */
  maxPending: number;
  /** How long an accepted connection has to send an authenticated check, ms. */
  authTimeoutMs: number;
  /** Authenticated connections at once; more are closed. */
  maxConnections: number;
}

/** Counters of a passive base. */
export interface PassiveStats {
  accepted: number;
  /** Closed before authentication: no valid check in time, a bad first frame, or too many pending. */
  refused: number;
  authenticated: number;
}

/**
 * The base of a passive TCP host candidate (RFC 6544 §4.1): one listening
 * socket from the registry. A connection counts only once its first frame
 * is a STUN Binding request with this agent's ufrag and a valid
 * MESSAGE-INTEGRITY (`authenticate`), within `authTimeoutMs`; anything else
 * is closed, and at most `maxPending` unauthenticated connections are held.
 * Authenticated connections are found by the peer's address and port: a
 * send to that transport address goes over its connection, and the pair
 * fails (`onRemoteGone`) when it closes.
 */
export class TcpPassiveBase implements CandidateBase, FrameSink {
  readonly kind = "socket";
  readonly transport = "tcp";
  readonly tcpType = "passive";
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
  onPacket: ((data: Uint8Array, address: string, port: number) => void) | undefined = undefined;
  onRemoteGone: ((address: string, port: number) => void) | undefined = undefined;
  readonly stats: PassiveStats = { accepted: 0, refused: 0, authenticated: 0 };
  private readonly pending = new Set<FramedConnection>();
  private readonly connections = new Map<string, FramedConnection>();
  private authenticate: ((frame: Uint8Array) => boolean) | undefined;

  constructor(
    readonly server: ManagedServer,
    authenticate: (frame: Uint8Array) => boolean,
    private readonly limits: PassiveLimits,
  ) {
    const local = server.address();
    this.address = local.address;
    this.port = local.port;
    this.family = server.type === "tcp6" ? 6 : 4;
    this.authenticate = authenticate;
    server.on("connection", this.onConnection);
  }

  get closed(): boolean {
    return this.server.closed;
  }

  /** Connections accepted and not yet authenticated. */
  get pendingConnections(): number {
    return this.pending.size;
  }

  /** Authenticated connections. */
  get openConnections(): number {
    return this.connections.size;
  }

  send(data: Uint8Array, port: number, address: string): void {
    this.connections.get(connectionKey(address, port))?.send(data);
  }

  /** @internal FrameSink */
  frame(connection: FramedConnection, data: Uint8Array): void {
    if (connection.framesIn > 1 || !this.pending.has(connection)) {
      this.onPacket?.(data, connection.address, connection.port);
      return;
    }
    this.pending.delete(connection);
    connection.cancelDeadline?.();
    connection.cancelDeadline = undefined;
    if (!this.authenticate?.(data) || this.connections.size >= this.limits.maxConnections) {
      this.refuse(connection, "first frame is not an authenticated check");
      return;
    }
    // A transport address is one live connection: an old one of the same key is dead.
    const old = this.connections.get(connection.key);
    if (old) void old.close();
    this.connections.set(connection.key, connection);
    this.stats.authenticated++;
    this.onPacket?.(data, connection.address, connection.port);
  }

  /** @internal FrameSink */
  gone(connection: FramedConnection): void {
    if (this.pending.delete(connection)) return;
    if (this.connections.get(connection.key) !== connection) return;
    this.connections.delete(connection.key);
    this.onRemoteGone?.(connection.address, connection.port);
  }

  /** Stops listening and closes every connection. Idempotent. */
  async close(): Promise<void> {
    this.server.off("connection", this.onConnection);
    this.onPacket = undefined;
    this.onRemoteGone = undefined;
    this.authenticate = undefined;
    const all = [...this.pending, ...this.connections.values()];
    this.pending.clear();
    this.connections.clear();
    await Promise.all([...all.map((c) => c.close()), this.server.close()]);
  }

  private readonly onConnection = (connection: ManagedConnection): void => {
    this.stats.accepted++;
    if (this.pending.size >= this.limits.maxPending || !this.authenticate) {
      this.stats.refused++;
      void connection.close();
      return;
    }
    const framed = new FramedConnection(connection, this);
    this.pending.add(framed);
    framed.cancelDeadline = startTimer(() => this.expire(framed), this.limits.authTimeoutMs);
  };

  private expire(connection: FramedConnection): void {
    connection.cancelDeadline = undefined;
    if (this.pending.delete(connection)) this.refuse(connection, "no authenticated check in time");
  }

  private refuse(connection: FramedConnection, why: string): void {
    this.stats.refused++;
    if (log.enabled) log("refused %s:%d: %s", connection.address, connection.port, why);
    void connection.close();
  }
}
