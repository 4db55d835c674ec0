import type { AddressInfo, Socket } from "node:net";
import { SocketError } from "./errors.js";
import type { TcpEntry } from "./tcp-entry.js";
import { TcpHandle } from "./tcp-handle.js";

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
export class ManagedConnection extends TcpHandle<ManagedConnectionEvents> {
  /** @internal */
  constructor(
    entry: TcpEntry,
    private readonly socket: Socket,
    release: (entry: TcpEntry) => Promise<void>,
  ) {
    super(entry, release);
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
}
