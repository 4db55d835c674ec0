import type { ManagedConnection } from "@purertc/socket";
import { encodeFrame, FrameDecoder, MAX_FRAME } from "./framing.js";

/**
 * Bytes a connection may hold unsent before datagrams are dropped: ICE
 * carries datagrams, whose senders (DTLS, SCTP) retransmit, so a slow peer
 * costs drops, never unbounded memory.
 */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

/** Where a {@link FramedConnection} reports (a TCP base). */
export interface FrameSink {
  /** One complete frame from the peer. */
  frame(connection: FramedConnection, data: Uint8Array): void;
  /** The connection is gone (either side closed it, or it was reset). */
  gone(connection: FramedConnection): void;
}

function ignore(): void {}

/**
 * One TCP connection of ICE over TCP, carrying RFC 4571 frames both ways.
 * The peer's address and port are kept from the start (the OS forgets them
 * once the socket closes).
 */
export class FramedConnection {
  readonly address: string;
  readonly port: number;
  /** `address|port`, the key bases find connections by. */
  readonly key: string;
  /** Cancels the authentication deadline of a connection accepted but not yet authenticated. */
  cancelDeadline: (() => void) | undefined = undefined;
  /** Frames the peer sent so far. */
  framesIn = 0;
  private readonly decoder = new FrameDecoder();
  private sink: FrameSink | undefined;

  constructor(
    readonly connection: ManagedConnection,
    sink: FrameSink,
    address = connection.remoteAddress,
    port = connection.remotePort,
  ) {
    this.sink = sink;
    this.address = address;
    this.port = port;
    this.key = connectionKey(address, port);
    connection.on("data", this.onData);
    connection.on("close", this.onClose);
    // Resets are expected (peers leave); `close` follows every error.
    connection.on("error", ignore);
  }

  get closed(): boolean {
    return this.sink === undefined || this.connection.closed;
  }

  /** Sends one datagram as a frame; false when dropped (closed, too large, or the peer is not reading). */
  send(data: Uint8Array): boolean {
    if (this.closed || data.byteLength > MAX_FRAME) return false;
    if (this.connection.bufferedAmount > MAX_BUFFERED_BYTES) return false;
    this.connection.write(encodeFrame(data));
    return true;
  }

  /** Closes the connection; the sink hears nothing more from it. Idempotent. */
  close(): Promise<void> {
    this.detach();
    return this.connection.close();
  }

  private readonly onFrame = (frame: Uint8Array): void => {
    this.framesIn++;
    this.sink?.frame(this, frame);
  };

  private readonly onData = (chunk: Buffer): void => {
    this.decoder.push(chunk, this.onFrame);
  };

  private readonly onClose = (): void => {
    const sink = this.sink;
    this.detach();
    sink?.gone(this);
  };

  private detach(): void {
    this.sink = undefined;
    this.cancelDeadline?.();
    this.cancelDeadline = undefined;
    this.decoder.reset();
    this.connection.off("data", this.onData);
    this.connection.off("close", this.onClose);
  }
}

/** The key of a remote transport address. */
export function connectionKey(address: string, port: number): string {
  return `${address}|${port}`;
}
