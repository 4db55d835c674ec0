import { EventEmitter } from "node:events";
import type { AddressInfo } from "node:net";
import { SocketError } from "./errors.js";
import type { ManagedConnection } from "./tcp-connection.js";
import type { TcpEntry } from "./tcp-entry.js";

/** Events of a {@link ManagedServer}. */
export interface ManagedServerEvents {
  /**
   * A connection was accepted. The listener takes it over (and closes it);
   * with no listener it is closed at once.
   */
  connection: [connection: ManagedConnection];
  error: [error: Error];
  close: [];
}

/**
 * The owner's handle to one listening TCP socket opened with
 * {@link SocketRegistry.listen}. Accepted connections come as `connection`
 * events; each is a registry entry of its own (counted, listed, leak
 * checked), and closing the server closes every connection it accepted.
 */
export class ManagedServer extends EventEmitter<ManagedServerEvents> implements AsyncDisposable {
  /** @internal */
  constructor(
    private readonly entry: TcpEntry,
    private readonly release: (entry: TcpEntry) => Promise<void>,
  ) {
    super();
  }

  /** The label given at listen. */
  get label(): string {
    return this.entry.label;
  }

  /** `tcp4` or `tcp6`. */
  get type(): "tcp4" | "tcp6" {
    return this.entry.type;
  }

  /** True once closed. */
  get closed(): boolean {
    return this.entry.closed;
  }

  /** Accepted connections still open. */
  get connections(): number {
    return this.entry.children?.size ?? 0;
  }

  /** Counters: `packetsIn` counts accepted connections, `errors` refused or failed ones. */
  get stats() {
    return this.entry.stats;
  }

  /** The bound local address. */
  address(): AddressInfo {
    if (!this.entry.local)
      throw new SocketError("ERR_SOCKET_CLOSED", `server "${this.label}" is not listening`);
    return this.entry.local;
  }

  /** Stops listening and closes every accepted connection; resolves when released. Idempotent. */
  close(): Promise<void> {
    return this.release(this.entry);
  }

  /** Same as {@link ManagedServer.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** @internal */
  accept(connection: ManagedConnection): void {
    this.entry.stats.packetsIn++;
    if (this.listenerCount("connection") === 0) {
      void connection.close();
      return;
    }
    try {
      this.emit("connection", connection);
    } catch (error) {
      this.fail(error as Error);
      void connection.close();
    }
  }

  /** @internal */
  fail(error: Error): void {
    this.entry.stats.errors++;
    if (this.listenerCount("error") > 0) this.emit("error", error);
  }
}
