import { EventEmitter } from "node:events";
import type { AddressInfo, Socket } from "node:net";
import { SocketError } from "./errors.js";
import type { TcpEntry } from "./tcp-entry.js";

/** Events of a {@link ManagedConnection}. */
export interface ManagedConnectionEvents {
  /** Bytes from the peer, as the OS delivered them (a byte stream: no message boundaries). */
  data: [data: Buffer];
  /** Socket errors (reset, write after the peer left); only emitted when listened to. */
  error: [error: Error];
  /** The connection is gone (closed by either side, reset, or released by the registry). */
  close: [];
}

/**
 * The owner's handle to one TCP connection opened through a
 * {@link SocketRegistry}: dialled with `connect()`, or accepted by a
 * {@link ManagedServer}. Bytes arrive as `data` events and leave with
 * {@link ManagedConnection.write}; `close` comes once, whoever ended it.
 * Like {@link ManagedSocket}, a failed write or a reset never throws into
 * the process: errors are counted and emitted only when listened to.
 */
export class ManagedConnection extends EventEmitter<ManagedConnectionEvents> implements AsyncDisposable {
  /** @internal */
  constructor(
    private readonly entry: TcpEntry,
    private readonly socket: Socket,
    private readonly release: (entry: TcpEntry) => Promise<void>,
  ) {
    super();
  }

  /** The label given at open (accepted connections: the server's label and `/accepted`). */
  get label(): string {
    return this.entry.label;
  }

  /** `tcp4` or `tcp6`. */
  get type(): "tcp4" | "tcp6" {
    return this.entry.type;
  }

  /** True once closed by either side or by close(). */
  get closed(): boolean {
    return this.entry.closed;
  }

  /** Traffic counters (live object): a `packet` is one read or one write. */
  get stats() {
    return this.entry.stats;
  }

  /** The local address. */
  address(): AddressInfo {
    if (!this.entry.local) throw new SocketError("ERR_SOCKET_CLOSED", `connection "${this.label}" is closed`);
    return this.entry.local;
  }

  /** The peer's IP address. */
  get remoteAddress(): string {
    return this.socket.remoteAddress ?? this.entry.remote?.replace(/:\d+$/, "").replace(/^\[|\]$/g, "") ?? "";
  }

  /** The peer's port. */
  get remotePort(): number {
    return this.socket.remotePort ?? Number(this.entry.remote?.replace(/^.*:/, "") ?? 0);
  }

  /** Bytes accepted by write() that the OS has not taken yet (back-pressure). */
  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  /**
   * Writes bytes. Returns false when closed (nothing written) or when the OS
   * buffer is full (written, but queued in memory: look at `bufferedAmount`).
   * Never throws for network errors.
   */
  write(data: Uint8Array): boolean {
    if (this.entry.closed || this.socket.destroyed) return false;
    const stats = this.entry.stats;
    stats.packetsOut++;
    stats.bytesOut += data.byteLength;
    return this.socket.write(data);
  }

  /** Closes the connection (queued bytes get a bounded moment to leave); resolves when released. Idempotent. */
  close(): Promise<void> {
    return this.release(this.entry);
  }

  /** Same as {@link ManagedConnection.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** @internal */
  deliver(data: Buffer): void {
    const stats = this.entry.stats;
    stats.packetsIn++;
    stats.bytesIn += data.byteLength;
    try {
      this.emit("data", data);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  /** @internal */
  fail(error: Error): void {
    this.entry.stats.errors++;
    if (this.listenerCount("error") > 0) this.emit("error", error);
  }
}
