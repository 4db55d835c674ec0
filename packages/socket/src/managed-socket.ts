import type { Socket as DgramSocket, RemoteInfo } from "node:dgram";
import { EventEmitter } from "node:events";
import type { AddressInfo } from "node:net";
import { SocketError } from "./errors.js";

/** Traffic counters of one socket. */
export interface SocketStats {
  packetsIn: number;
  bytesIn: number;
  packetsOut: number;
  bytesOut: number;
  /** Send or socket errors seen (they are reported, never thrown from the socket). */
  errors: number;
}

/** What the registry keeps for each open socket; shared with its handle. */
export interface SocketEntry {
  readonly kind: "udp";
  readonly id: number;
  readonly label: string;
  readonly type: "udp4" | "udp6";
  readonly openedAt: number;
  readonly stack: string;
  readonly socket: DgramSocket;
  readonly stats: SocketStats;
  closed: boolean;
  closing: Promise<void> | undefined;
  local: AddressInfo | undefined;
}

/** Events of a {@link ManagedSocket}. */
export interface ManagedSocketEvents {
  message: [data: Buffer, remote: RemoteInfo];
  error: [error: Error];
  close: [];
}

/**
 * The owner's handle to one UDP socket opened through a
 * {@link SocketRegistry}. It delivers datagrams as `message` events and sends
 * them with {@link ManagedSocket.send}. Close it with `close()` or
 * `await using`. The registry holds this handle only weakly: if its owner is
 * collected while it is open, the registry closes the socket and reports a
 * leak.
 *
 * Errors of the underlying socket are counted and emitted as `error` only when
 * somebody listens: a bad packet or a failed send never crashes the process.
 */
export class ManagedSocket extends EventEmitter<ManagedSocketEvents> implements AsyncDisposable {
  /** @internal */
  constructor(
    private readonly entry: SocketEntry,
    private readonly release: (entry: SocketEntry) => Promise<void>,
  ) {
    super();
  }

  /** The label given at open, used in reports and leak warnings. */
  get label(): string {
    return this.entry.label;
  }

  /** `udp4` or `udp6`. */
  get type(): "udp4" | "udp6" {
    return this.entry.type;
  }

  /** True once close() was called (or the registry closed the socket). */
  get closed(): boolean {
    return this.entry.closed;
  }

  /** Traffic counters (live object). */
  get stats(): Readonly<SocketStats> {
    return this.entry.stats;
  }

  /** The bound local address. */
  address(): AddressInfo {
    if (!this.entry.local) throw new SocketError("ERR_SOCKET_CLOSED", `socket "${this.label}" is not bound`);
    return this.entry.local;
  }

  /** One completion callback for every send without a caller's callback (no closure per datagram). */
  private readonly afterSend = (error: Error | null) => {
    if (error) this.fail(error);
  };

  /**
   * Sends one datagram. Never throws for network errors (they are counted
   * and emitted as `error` if listened to); throws `ERR_SOCKET_CLOSED` if the
   * handle was closed, since that is a bug in the caller.
   */
  send(data: Uint8Array, port: number, address: string, callback?: (error: Error | null) => void): void {
    if (this.entry.closed) {
      throw new SocketError("ERR_SOCKET_CLOSED", `send on closed socket "${this.label}"`);
    }
    const stats = this.entry.stats;
    stats.packetsOut++;
    stats.bytesOut += data.byteLength;
    try {
      this.entry.socket.send(
        data,
        port,
        address,
        callback
          ? (error) => {
              if (error) this.fail(error);
              callback(error ?? null);
            }
          : this.afterSend,
      );
    } catch (error) {
      // dgram throws synchronously for bad ports/addresses.
      this.fail(error as Error);
      callback?.(error as Error);
    }
  }

  /** Joins a multicast group (see dgram's addMembership). */
  addMembership(group: string, iface?: string): void {
    this.entry.socket.addMembership(group, iface);
  }

  /** Leaves a multicast group. */
  dropMembership(group: string, iface?: string): void {
    this.entry.socket.dropMembership(group, iface);
  }

  /** Sets the outgoing multicast interface. */
  setMulticastInterface(iface: string): void {
    this.entry.socket.setMulticastInterface(iface);
  }

  /** Enables or disables looping multicast back to this host. */
  setMulticastLoopback(flag: boolean): void {
    this.entry.socket.setMulticastLoopback(flag);
  }

  /** Sets the multicast TTL (hop limit). */
  setMulticastTTL(ttl: number): void {
    this.entry.socket.setMulticastTTL(ttl);
  }

  /**
   * The underlying `dgram.Socket`, for libraries that need one (such as
   * `multicast-dns`). Do not close it directly and do not add listeners that
   * you do not remove: the handle and the registry own it.
   */
  get raw(): DgramSocket {
    return this.entry.socket;
  }

  /** Closes the socket; resolves when the OS has released it. Idempotent. */
  close(): Promise<void> {
    return this.release(this.entry);
  }

  /** Same as {@link ManagedSocket.close}; makes `await using` work. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** @internal Called by the registry for each received datagram. */
  deliver(data: Buffer, remote: RemoteInfo): void {
    const stats = this.entry.stats;
    stats.packetsIn++;
    stats.bytesIn += data.byteLength;
    try {
      this.emit("message", data, remote);
    } catch (error) {
      // A handler that throws must not take the socket (or process) down.
      this.fail(error as Error);
    }
  }

  /** @internal */
  fail(error: Error): void {
    this.entry.stats.errors++;
    if (this.listenerCount("error") > 0) this.emit("error", error);
  }
}
