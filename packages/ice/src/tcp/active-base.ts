import { Closer, createDebug, type SocketRegistry } from "@purertc/socket";
import type { CandidateBase } from "../gather/base.js";
import { connectionKey, FramedConnection, type FrameSink } from "./framed-connection.js";

const log = createDebug("purertc:ice:tcp");

/** Port an active TCP candidate is signalled with (RFC 6544 §4.5: the discard port). */
export const ACTIVE_PORT = 9;
/** Datagrams queued per remote while its connection is being made (the first checks). */
const MAX_QUEUED = 16;
/** Remote transport addresses one active base dials at most. */
const MAX_REMOTES = 64;

/** Timing of an active base. */
export interface ActiveLimits {
  /** Give up connecting after this long, ms. */
  connectTimeoutMs: number;
}

type Outgoing =
  | { state: "connecting"; queue: Uint8Array[] }
  | { state: "open"; connection: FramedConnection }
  | { state: "gone" };

/**
 * The base of an active TCP host candidate (RFC 6544 §4.1): no socket of
 * its own; the first datagram sent to a remote (passive) transport address
 * dials it from this base's address, through the registry, and that one
 * connection then carries the pair's checks and data both ways. A remote
 * that refuses, times out or closes is gone for this base: the pair over it
 * fails (`onRemoteGone`) and later sends to it are dropped (no redial, so a
 * dead peer costs one connection attempt).
 */
export class TcpActiveBase implements CandidateBase, FrameSink {
  readonly kind = "socket";
  readonly transport = "tcp";
  readonly tcpType = "active";
  readonly port = ACTIVE_PORT;
  readonly family: 4 | 6;
  onPacket: ((data: Uint8Array, address: string, port: number) => void) | undefined = undefined;
  onRemoteGone: ((address: string, port: number) => void) | undefined = undefined;
  private readonly remotes = new Map<string, Outgoing>();
  /** Aborts the dials in flight on close; its signal is made at the first dial. */
  private readonly closer = new Closer();
  private isClosed = false;

  constructor(
    private readonly registry: SocketRegistry,
    readonly address: string,
    family: 4 | 6,
    private readonly limits: ActiveLimits,
  ) {
    this.family = family;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Connections up now. */
  get openConnections(): number {
    let n = 0;
    for (const r of this.remotes.values()) if (r.state === "open") n++;
    return n;
  }

  send(data: Uint8Array, port: number, address: string): void {
    if (this.isClosed) return;
    const key = connectionKey(address, port);
    const remote = this.remotes.get(key);
    if (remote?.state === "open") remote.connection.send(data);
    else if (remote?.state === "connecting") {
      if (remote.queue.length < MAX_QUEUED) remote.queue.push(Uint8Array.from(data));
    } else if (!remote && this.remotes.size < MAX_REMOTES) {
      this.remotes.set(key, { state: "connecting", queue: [Uint8Array.from(data)] });
      void this.dial(key, address, port);
    }
  }

  /** @internal FrameSink */
  frame(connection: FramedConnection, data: Uint8Array): void {
    this.onPacket?.(data, connection.address, connection.port);
  }

  /** @internal FrameSink */
  gone(connection: FramedConnection): void {
    const remote = this.remotes.get(connection.key);
    if (remote?.state !== "open" || remote.connection !== connection) return;
    this.remotes.set(connection.key, { state: "gone" });
    this.onRemoteGone?.(connection.address, connection.port);
  }

  /** Closes every connection and stops those being made. Idempotent. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closer.close();
    this.onPacket = undefined;
    this.onRemoteGone = undefined;
    const open: FramedConnection[] = [];
    for (const r of this.remotes.values()) if (r.state === "open") open.push(r.connection);
    this.remotes.clear();
    await Promise.all(open.map((c) => c.close()));
  }

  private async dial(key: string, address: string, port: number): Promise<void> {
    let framed: FramedConnection;
    try {
      const connection = await this.registry.connect(this, {
        label: "ice-tcp-active",
        address,
        port,
        localAddress: this.address,
        timeoutMs: this.limits.connectTimeoutMs,
        signal: this.closer.signal,
      });
      if (this.isClosed) {
        await connection.close();
        return;
      }
      framed = new FramedConnection(connection, this, address, port);
    } catch (error) {
      if (this.isClosed) return;
      if (log.enabled) log("connect to %s:%d failed: %s", address, port, (error as Error).message);
      this.remotes.set(key, { state: "gone" });
      this.onRemoteGone?.(address, port);
      return;
    }
    const remote = this.remotes.get(key);
    if (framed.closed) {
      // Gone between the connect and now: its close came before anyone listened.
      this.remotes.set(key, { state: "gone" });
      this.onRemoteGone?.(address, port);
      return;
    }
    this.remotes.set(key, { state: "open", connection: framed });
    if (remote?.state === "connecting") for (const data of remote.queue) framed.send(data);
  }
}
