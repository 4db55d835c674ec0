import { EventEmitter } from "node:events";
import type { SocketStats } from "./managed-socket.js";
import type { TcpEntry } from "./tcp-entry.js";

/** The events every TCP handle has: errors (only emitted when listened to) and its end. */
export interface TcpHandleEvents {
  error: [error: Error];
  close: [];
}

/**
 * What a {@link ManagedConnection} and a {@link ManagedServer} share as
 * handles of one registry entry: its label, type, counters and state, close()
 * through the registry, and errors counted, never thrown into the process.
 */
export abstract class TcpHandle<Events extends TcpHandleEvents & Record<keyof Events, unknown[]>>
  extends EventEmitter<Events>
  implements AsyncDisposable
{
  /** @internal */
  constructor(
    protected readonly entry: TcpEntry,
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

  /** True once closed (a connection: by either side, or by close()). */
  get closed(): boolean {
    return this.entry.closed;
  }

  /**
   * Counters (live object). A connection's `packet` is one read or one write; a
   * server's `packetsIn` counts accepted connections, `errors` refused or failed ones.
   */
  get stats(): SocketStats {
    return this.entry.stats;
  }

  /**
   * Closes through the registry, resolving once released; idempotent. A
   * connection's queued bytes get a bounded moment to leave; a server stops
   * listening and closes every connection it accepted.
   */
  close(): Promise<void> {
    return this.release(this.entry);
  }

  /** Same as {@link TcpHandle.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** @internal */
  fail(error: Error): void {
    this.entry.stats.errors++;
    // The subclass's events include TcpHandleEvents; TypeScript cannot see that through the generic.
    const self = this as unknown as EventEmitter<TcpHandleEvents>;
    if (self.listenerCount("error") > 0) self.emit("error", error);
  }
}
