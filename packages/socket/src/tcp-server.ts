import type { AddressInfo } from "node:net";
import { SocketError } from "./errors.js";
import type { ManagedConnection } from "./tcp-connection.js";
import { TcpHandle } from "./tcp-handle.js";

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
export class ManagedServer extends TcpHandle<ManagedServerEvents> {
  /** Accepted connections still open. */
  get connections(): number {
    return this.entry.children?.size ?? 0;
  }

  /** The bound local address. */
  address(): AddressInfo {
    if (!this.entry.local)
      throw new SocketError("ERR_SOCKET_CLOSED", `server "${this.label}" is not listening`);
    return this.entry.local;
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
}
