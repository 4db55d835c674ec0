import type { RemoteInfo } from "node:dgram";
import type { ManagedSocket } from "./managed-socket.js";

/**
 * A connected, unreliable, message-oriented path to one peer: what DTLS runs
 * over. A UDP socket aimed at one remote ({@link UdpTransport}) is one; a
 * selected ICE candidate pair is another. DTLS knows only this interface.
 */
export interface DatagramTransport {
  /** Sends one datagram to the peer. Never throws for network errors. */
  send(data: Uint8Array): void;
  /**
   * Receives each datagram from the peer. One receiver at a time; set
   * `undefined` to detach. Set by the layer above (for example DTLS).
   */
  onDatagram: ((data: Uint8Array) => void) | undefined;
  /** Called once when the transport closes underneath its user. */
  onClose: (() => void) | undefined;
  /** True once closed. */
  readonly closed: boolean;
  /** Closes the transport. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link UdpTransport}. */
export interface UdpTransportOptions {
  /** Close the socket when the transport closes. Default true. */
  ownsSocket?: boolean;
}

/**
 * A {@link DatagramTransport} over a {@link ManagedSocket}, to one remote
 * address. Datagrams from other addresses are ignored.
 */
export class UdpTransport implements DatagramTransport, AsyncDisposable {
  onDatagram: ((data: Uint8Array) => void) | undefined = undefined;
  onClose: (() => void) | undefined = undefined;
  private isClosed = false;
  private readonly ownsSocket: boolean;
  private readonly onMessage = (data: Buffer, remote: RemoteInfo) => {
    if (remote.port === this.remotePort && remote.address === this.remoteAddress) this.onDatagram?.(data);
  };
  private readonly onSocketClose = () => void this.close();

  constructor(
    readonly socket: ManagedSocket,
    readonly remoteAddress: string,
    readonly remotePort: number,
    options: UdpTransportOptions = {},
  ) {
    this.ownsSocket = options.ownsSocket ?? true;
    socket.on("message", this.onMessage);
    socket.on("close", this.onSocketClose);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  send(data: Uint8Array): void {
    if (this.isClosed || this.socket.closed) return;
    this.socket.send(data, this.remotePort, this.remoteAddress);
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.socket.off("message", this.onMessage);
    this.socket.off("close", this.onSocketClose);
    this.onDatagram = undefined;
    const onClose = this.onClose;
    this.onClose = undefined;
    onClose?.();
    if (this.ownsSocket) await this.socket.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
