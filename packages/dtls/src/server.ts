import type { RemoteInfo } from "node:dgram";
import { EventEmitter } from "node:events";
import type { AddressInfo } from "node:net";
import {
  createDebug,
  type DatagramTransport,
  formatAddress,
  type ManagedSocket,
  SocketRegistry,
  whenAborted,
} from "@purertc/socket";
import { type DtlsOptions, type ResolvedConfig, resolveConfig } from "./config.js";
import { DtlsConnection } from "./connection.js";
import { CookieAuthority } from "./crypto/cookie.js";
import { helloVerifyRequest } from "./flights/server.js";
import { type ClientHello, clientHelloCookieFields, parseClientHello } from "./handshake/client-hello.js";
import { HandshakeType, parseHandshakeFragments } from "./handshake/header.js";
import { HelloCache } from "./hello-cache.js";
import { ContentType, parseRecord } from "./record/header.js";
import { offers13 } from "./tls13/hello.js";
import { hasValidHrrCookie, statelessHelloRetry } from "./tls13/server.js";

const log = createDebug("purertc:dtls");

/** Options of {@link DtlsServer.listen}. */
export interface DtlsServerOptions extends DtlsOptions {
  /** Bind address. Default 127.0.0.1. */
  address?: string;
  /** Bind port. Default 0 (any free port). */
  port?: number;
  /** Address family. Default from the address. */
  type?: "udp4" | "udp6";
  /** Registry to open the socket in. Default {@link SocketRegistry.default}. */
  registry?: SocketRegistry;
  /** Most concurrent connections (handshaking or connected). Default 1000. */
  maxConnections?: number;
  /** Aborting closes the server. */
  signal?: AbortSignal;
}

/** Events of a {@link DtlsServer}. */
export interface DtlsServerEvents {
  /**
   * A client came back with a valid cookie: its connection is handshaking
   * (await `connection.connect()` or listen for `connected`).
   */
  connection: [connection: DtlsConnection, remote: string];
  close: [];
}

/** Counters of a server. */
export interface DtlsServerStats {
  datagramsIn: number;
  /** HelloVerifyRequests sent (no state kept for them). */
  helloVerifyRequests: number;
  /** DTLS 1.3 HelloRetryRequests with a cookie sent (no state kept for them either). */
  helloRetryRequests: number;
  /** Datagrams from unknown peers that were not a usable ClientHello. */
  dropped: number;
}

/** A per-remote {@link DatagramTransport} over the server's shared socket. */
class DemuxTransport implements DatagramTransport {
  onDatagram: ((data: Uint8Array) => void) | undefined;
  onClose: (() => void) | undefined;
  closed = false;
  constructor(
    private readonly socket: ManagedSocket,
    readonly address: string,
    readonly port: number,
    private readonly release: () => void,
  ) {}

  send(data: Uint8Array): void {
    if (this.closed || this.socket.closed) return;
    this.socket.send(data, this.port, this.address);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onDatagram = undefined;
    const onClose = this.onClose;
    this.onClose = undefined;
    this.release();
    onClose?.();
  }
}

/**
 * A DTLS server on one UDP socket (opened through the {@link SocketRegistry}),
 * demultiplexing clients by remote address. A ClientHello from an unknown
 * address is answered with a stateless HelloVerifyRequest; only a hello that
 * returns a valid cookie creates a connection, so spoofed hellos cost no
 * memory. A bad datagram never affects other connections.
 */
export class DtlsServer extends EventEmitter<DtlsServerEvents> implements AsyncDisposable {
  /** Counters. */
  readonly stats: DtlsServerStats = {
    datagramsIn: 0,
    helloVerifyRequests: 0,
    helloRetryRequests: 0,
    dropped: 0,
  };
  private readonly hellos = new HelloCache();
  /** The options resolved once (validated at listen). */
  private readonly config: ResolvedConfig;
  private readonly conns = new Map<string, DtlsConnection>();
  private readonly cookies = new CookieAuthority();
  private readonly controller = new AbortController();
  private socket: ManagedSocket | undefined;
  private closing: Promise<void> | undefined;
  private readonly maxConnections: number;

  private constructor(private readonly options: DtlsServerOptions) {
    super();
    this.maxConnections = options.maxConnections ?? 1000;
    this.config = resolveConfig(options, { cookies: this.cookies });
  }

  /** Opens the socket and starts answering. */
  static async listen(options: DtlsServerOptions): Promise<DtlsServer> {
    const server = new DtlsServer(options);
    // Validate options now rather than at the first client.
    const address = options.address ?? "127.0.0.1";
    const registry = options.registry ?? SocketRegistry.default;
    server.socket = await registry.open(server, {
      label: "dtls-server",
      type: options.type ?? (address.includes(":") ? "udp6" : "udp4"),
      address,
      port: options.port ?? 0,
      signal: options.signal,
    });
    server.socket.on("message", (data, remote) => server.handleDatagram(data, remote));
    server.socket.on("close", () => void server.close());
    const unlink = whenAborted(options.signal, () => void server.close());
    server.controller.signal.addEventListener("abort", unlink, { once: true });
    return server;
  }

  /** The bound address. */
  address(): AddressInfo {
    if (!this.socket) throw new Error("not listening");
    return this.socket.address();
  }

  /** Live connections by `ip:port`. */
  get connections(): ReadonlyMap<string, DtlsConnection> {
    return this.conns;
  }

  /** True once closed. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  /**
   * Handles one datagram from `remote` (the socket's message handler; public
   * for tests that feed spoofed addresses). Never throws.
   */
  handleDatagram(data: Uint8Array, remote: Pick<RemoteInfo, "address" | "port">): void {
    if (this.closing) return;
    this.stats.datagramsIn++;
    const key = formatAddress(remote.address, remote.port);
    const existing = this.conns.get(key);
    if (existing) {
      const t = this.transports.get(key);
      t?.onDatagram?.(data);
      return;
    }
    try {
      this.statelessHello(data, remote.address, remote.port, key);
    } catch (error) {
      this.stats.dropped++;
      log("dropped datagram from %s: %s", key, (error as Error).message);
    }
  }

  private readonly transports = new Map<string, DemuxTransport>();

  /** Answers a cookie-less hello with a HelloVerifyRequest; a valid cookie creates the connection. */
  private statelessHello(data: Uint8Array, address: string, port: number, key: string): void {
    const record = parseRecord(data, 0);
    if (record.type !== ContentType.handshake || record.epoch !== 0) {
      this.stats.dropped++;
      return;
    }
    const fragment = parseHandshakeFragments(record.body, 64 * 1024)[0];
    if (!fragment || fragment.type !== HandshakeType.client_hello) {
      this.stats.dropped++;
      return;
    }
    // What the DTLS 1.2 cookie check below reads: the first fragment (1.2 only), or the whole hello.
    let helloBytes = fragment.body;
    let datagrams = [data];
    if (this.config.v13) {
      // With 1.3 on, a hello is read whole (reassembled in a bounded cache when it comes in
      // fragments): one offering DTLS 1.3 gets a stateless HelloRetryRequest cookie, and one coming
      // back with a valid cookie makes the connection. Others go on to the 1.2 HelloVerifyRequest.
      const whole = fragment.whole
        ? { body: fragment.body, datagrams: [data] }
        : this.hellos.add(key, fragment, data);
      if (!whole) return;
      helloBytes = whole.body;
      datagrams = whole.datagrams;
      const config = { ...this.config, remoteId: key };
      let hello: ClientHello | undefined;
      try {
        hello = parseClientHello(whole.body);
      } catch {
        hello = undefined;
      }
      if (hello && hello.cookie.length === 0 && offers13(hello)) {
        if (hasValidHrrCookie(config, hello)) {
          this.accept(whole.datagrams, address, port, key);
          return;
        }
        const hrr = statelessHelloRetry(config, hello, whole.body, fragment.messageSeq, record.sequence);
        if (!hrr) {
          this.stats.dropped++;
          return;
        }
        this.stats.helloRetryRequests++;
        this.socket?.send(hrr, port, address);
        return;
      }
    } else if (fragment.fragmentOffset !== 0) {
      this.stats.dropped++;
      return;
    }
    const { prefix, cookie } = clientHelloCookieFields(helloBytes);
    if (!this.cookies.verify(key, prefix, cookie)) {
      this.stats.helloVerifyRequests++;
      this.socket?.send(
        helloVerifyRequest(this.cookies.make(key, prefix), fragment.messageSeq, record.sequence),
        port,
        address,
      );
      return;
    }
    this.accept(datagrams, address, port, key);
  }

  /** Makes the connection of a client that came back with a valid cookie, and feeds it `datagrams`. */
  private accept(datagrams: Uint8Array[], address: string, port: number, key: string): void {
    if (this.conns.size >= this.maxConnections) {
      this.stats.dropped++;
      return;
    }
    const transport = new DemuxTransport(this.socket!, address, port, () => {
      this.transports.delete(key);
      this.conns.delete(key);
    });
    const conn = new DtlsConnection(transport, {
      ...this.options,
      role: "server",
      helloVerify: this.cookies,
      remoteId: key,
      // No signal: close() closes each connection itself, and a listener per connection on one
      // signal would trip Node's MaxListeners warning past ten clients.
    });
    this.conns.set(key, conn);
    this.transports.set(key, transport);
    conn.connect().catch(() => {}); // failures are reported by the connection's close event
    this.emit("connection", conn, key);
    for (const d of datagrams) transport.onDatagram?.(d);
  }

  /** Closes every connection (close_notify to connected peers) and the socket. Idempotent. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.controller.abort();
    this.closing = (async () => {
      await Promise.allSettled([...this.conns.values()].map((c) => c.close()));
      this.conns.clear();
      this.hellos.clear();
      this.transports.clear();
      await this.socket?.close();
      this.emit("close");
    })();
    return this.closing;
  }

  /** Same as {@link DtlsServer.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
