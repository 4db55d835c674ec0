import type { RemoteInfo } from "node:dgram";
import { connect, type Socket } from "node:net";
import { type ConnectionOptions, connect as tlsConnect } from "node:tls";
import { type ManagedSocket, type SocketRegistry, setTimer } from "@purertc/socket";
import { TurnError } from "./errors.js";

/** A transport address (IP and port). */
export interface LinkAddress {
  address: string;
  port: number;
}

/**
 * The path between the client and its TURN server: a UDP socket aimed at the
 * server, or a TCP connection (RFC 8656 §3.1: the client-to-server leg may be
 * TCP while the relay stays UDP). It delivers whole STUN messages and
 * ChannelData messages from the server and nothing else.
 */
export interface ServerLink {
  /** `udp`, `tcp`, or `tls` (TCP with TLS). */
  readonly transport: "udp" | "tcp" | "tls";
  /** True for stream transports: no retransmissions, ChannelData padded (RFC 8656 §12.5). */
  readonly reliable: boolean;
  /** Sends one STUN or ChannelData message to the server. Never throws for network errors. */
  send(message: Uint8Array): void;
  /** The local address, while open. */
  local(): LinkAddress | undefined;
  readonly closed: boolean;
  /** Closes the socket or connection. Idempotent. */
  close(): Promise<void>;
}

/** What a link reports to its owner. */
export interface LinkHandlers {
  /** One message (STUN or ChannelData) from the server. */
  message(data: Uint8Array): void;
  /** A datagram from somewhere else than the server (UDP only). */
  foreign(): void;
  /** The stream broke its framing (TCP): the link is closed. */
  malformed(): void;
  /** The link closed underneath (TCP reset or end). */
  lost(): void;
}

/** UDP: one registry socket; datagrams from other addresses are foreign. */
export class UdpServerLink implements ServerLink {
  readonly transport = "udp";
  readonly reliable = false;
  private readonly onMessage = (data: Buffer, remote: RemoteInfo) => {
    if (remote.port !== this.server.port || remote.address !== this.server.address) this.handlers.foreign();
    else this.handlers.message(data);
  };

  private constructor(
    private readonly socket: ManagedSocket,
    private readonly server: LinkAddress,
    private readonly handlers: LinkHandlers,
  ) {
    socket.on("message", this.onMessage);
  }

  /** Opens the socket through the registry on behalf of `owner`. */
  static async open(
    registry: SocketRegistry,
    owner: object,
    server: LinkAddress,
    local: { address?: string | undefined; port?: number | undefined },
    signal: AbortSignal,
    handlers: LinkHandlers,
  ): Promise<UdpServerLink> {
    const socket = await registry.open(owner, {
      label: "turn-client",
      type: server.address.includes(":") ? "udp6" : "udp4",
      address: local.address,
      port: local.port ?? 0,
      signal,
    });
    if (signal.aborted) {
      // Closed while the bind completed: the owner could not see this socket.
      await socket.close();
      throw new TurnError("ERR_CLOSED", "the TURN client was closed");
    }
    return new UdpServerLink(socket, server, handlers);
  }

  get closed(): boolean {
    return this.socket.closed;
  }

  send(message: Uint8Array): void {
    if (!this.socket.closed) this.socket.send(message, this.server.port, this.server.address);
  }

  local(): LinkAddress | undefined {
    if (this.socket.closed) return undefined;
    const a = this.socket.address();
    return { address: a.address, port: a.port };
  }

  close(): Promise<void> {
    this.socket.off("message", this.onMessage);
    return this.socket.close();
  }
}

/** Most bytes buffered while waiting for the rest of a message (a STUN message is at most 65555). */
const MAX_PENDING = 70_000;

/**
 * Splits a byte stream from a TURN server into messages (RFC 8656 §12.5):
 * STUN (first two bits 00, 20-byte header plus its length) and ChannelData
 * (first two bits 01, 4 bytes plus the length padded to 4). Anything else
 * breaks the framing for good.
 */
export class StreamFramer {
  private pending: Uint8Array = new Uint8Array(0);

  /**
   * Adds received bytes; returns the complete messages, or undefined when the
   * stream is not TURN framing (the connection must be dropped).
   */
  push(chunk: Uint8Array): Uint8Array[] | undefined {
    let buf: Uint8Array;
    if (this.pending.byteLength === 0) buf = chunk;
    else {
      buf = new Uint8Array(this.pending.byteLength + chunk.byteLength);
      buf.set(this.pending, 0);
      buf.set(chunk, this.pending.byteLength);
    }
    const out: Uint8Array[] = [];
    let offset = 0;
    while (buf.byteLength - offset >= 4) {
      const kind = buf[offset]! >> 6;
      const length = (buf[offset + 2]! << 8) | buf[offset + 3]!;
      let total: number;
      let message: number;
      if (kind === 0) {
        total = 20 + length;
        message = total;
      } else if (kind === 1) {
        message = 4 + length;
        total = (message + 3) & ~3;
      } else {
        return undefined;
      }
      if (buf.byteLength - offset < total) break;
      out.push(buf.slice(offset, offset + message));
      offset += total;
    }
    this.pending = buf.slice(offset);
    if (this.pending.byteLength > MAX_PENDING) return undefined;
    return out;
  }
}

/** TCP (or TLS over TCP): one connection to the server, framed by {@link StreamFramer}. */
export class TcpServerLink implements ServerLink {
  readonly transport: "tcp" | "tls";
  readonly reliable = true;
  private isClosed = false;
  private closing: Promise<void> | undefined;
  private readonly framer = new StreamFramer();
  private readonly closedPromise: Promise<void>;

  private constructor(
    private readonly socket: Socket,
    private readonly handlers: LinkHandlers,
    secure: boolean,
  ) {
    this.transport = secure ? "tls" : "tcp";
    this.closedPromise = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.on("data", (chunk: Buffer) => {
      if (this.isClosed) return;
      const messages = this.framer.push(chunk);
      if (!messages) {
        this.handlers.malformed();
        void this.close();
        return;
      }
      for (const m of messages) this.handlers.message(m);
    });
    socket.on("error", () => {
      // Reported through "close" below.
    });
    socket.once("close", () => {
      if (!this.isClosed) {
        this.isClosed = true;
        this.handlers.lost();
      }
    });
  }

  /**
   * Connects to the server (with `tls`, a TLS session on top, certificate
   * checked by default); rejects with `ERR_CLOSED` when `signal` aborts,
   * `ERR_CONNECT` when the connection or the TLS handshake fails.
   */
  static open(
    server: LinkAddress,
    local: { address?: string | undefined; port?: number | undefined },
    signal: AbortSignal,
    handlers: LinkHandlers,
    tls?: ConnectionOptions,
  ): Promise<TcpServerLink> {
    return new Promise<TcpServerLink>((resolve, reject) => {
      if (signal.aborted) {
        reject(new TurnError("ERR_CLOSED", "the TURN client was closed"));
        return;
      }
      const tcp = {
        host: server.address,
        port: server.port,
        localAddress: local.address,
        localPort: local.port || undefined,
        noDelay: true,
      };
      const socket: Socket = tls ? tlsConnect({ ...tcp, ...tls }) : connect(tcp);
      const ready = tls ? "secureConnect" : "connect";
      const cleanup = () => {
        signal.removeEventListener("abort", onAbort);
        socket.off(ready, onConnect);
        socket.off("error", onError);
      };
      const onAbort = () => {
        cleanup();
        socket.destroy();
        reject(new TurnError("ERR_CLOSED", "the TURN client was closed"));
      };
      const onError = (error: Error) => {
        cleanup();
        socket.destroy();
        reject(
          new TurnError("ERR_CONNECT", `cannot connect to the TURN server: ${error.message}`, {
            cause: error,
          }),
        );
      };
      const onConnect = () => {
        cleanup();
        resolve(new TcpServerLink(socket, handlers, tls !== undefined));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      socket.once(ready, onConnect);
      socket.once("error", onError);
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  send(message: Uint8Array): void {
    if (this.isClosed || this.socket.destroyed) return;
    this.socket.write(message);
  }

  local(): LinkAddress | undefined {
    if (this.isClosed || this.socket.localAddress === undefined || this.socket.localPort === undefined) {
      return undefined;
    }
    return { address: this.socket.localAddress, port: this.socket.localPort };
  }

  /** Ends the connection (FIN after pending writes), destroying it if it lingers; resolves when closed. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.isClosed = true;
      if (!this.socket.destroyed) {
        this.socket.end();
        // A peer that never answers the FIN must not hold the close: destroy after a short grace.
        const grace = new AbortController();
        await new Promise<void>((resolve) => {
          setTimer(resolve, 500, grace.signal);
          void this.closedPromise.then(resolve);
        });
        grace.abort();
        this.socket.destroy();
      }
      await this.closedPromise;
    })();
    return this.closing;
  }
}
