import dgram, { type RemoteInfo } from "node:dgram";
import { lookup as dnsLookup, type LookupOneOptions } from "node:dns";
import { EventEmitter } from "node:events";
import { isIP } from "node:net";
import { createDebug } from "./debug.js";
import { SocketError } from "./errors.js";
import { ManagedSocket, type SocketEntry, type SocketStats } from "./managed-socket.js";
import { openerStack, STACK_NOT_RECORDED, stacksFromEnvironment } from "./opener-stack.js";
import type { ManagedConnection } from "./tcp-connection.js";
import type { TcpEntry } from "./tcp-entry.js";
import {
  type ConnectOptions,
  type ListenOptions,
  openConnection,
  openServer,
  type RegistryHooks,
} from "./tcp-open.js";
import type { ManagedServer } from "./tcp-server.js";

const log = createDebug("purertc:socket");

/** How to open a socket with {@link SocketRegistry.open}. */
export interface OpenSocketOptions {
  /** Names the owner in reports and leak warnings, e.g. `"stun-client"`. */
  label: string;
  /** Address family. Default `udp4`. */
  type?: "udp4" | "udp6";
  /** Bind address. Default: all interfaces of the family. */
  address?: string;
  /** Bind port. Default 0 (any free port). */
  port?: number;
  /** SO_REUSEADDR (needed to share 5353 with other mDNS responders). */
  reuseAddr?: boolean;
  /** For udp6: do not accept IPv4-mapped traffic. */
  ipv6Only?: boolean;
  /**
   * SO_RCVBUF in bytes (the kernel caps it at net.core.rmem_max): a socket
   * shared by many peers needs more than the default to ride out an event
   * loop pause without dropping. Default: the OS default.
   */
  recvBufferSize?: number;
  /** SO_SNDBUF in bytes (capped at net.core.wmem_max). Default: the OS default. */
  sendBufferSize?: number;
  /** Multicast groups to join once bound, optionally on one interface. */
  multicast?: {
    groups: string[];
    interface?: string;
    loopback?: boolean;
    ttl?: number;
  };
  /** Aborting before the bind completes closes the socket and rejects. */
  signal?: AbortSignal;
}

/** One open socket as the registry reports it. */
export interface SocketInfo {
  id: number;
  label: string;
  /** UDP socket, or TCP listening socket or connection. */
  type: "udp4" | "udp6" | "tcp4" | "tcp6";
  /** `ip:port` (IPv6 in brackets). */
  local: string;
  /** The peer's `ip:port`, for TCP connections. */
  remote?: string;
  ageMs: number;
  stats: SocketStats;
  /**
   * Where it was opened (a stack trace), when the registry captured it
   * ({@link SocketRegistry.captureStacks}); otherwise a line saying how to.
   */
  stack: string;
}

/** A socket whose owner was collected without closing it. */
export interface LeakReport {
  label: string;
  local: string;
  stack: string;
  ageMs: number;
}

/** Events of a {@link SocketRegistry}. */
export interface SocketRegistryEvents {
  leak: [report: LeakReport];
}

let nextId = 1;

/**
 * Opens and tracks every socket of purertc: UDP sockets ({@link SocketRegistry.open}),
 * TCP listening sockets ({@link SocketRegistry.listen}, each accepted connection
 * an entry of its own) and TCP connections ({@link SocketRegistry.connect}).
 *
 * Each socket is opened on behalf of an owner object, which the registry holds
 * only weakly: the owner keeps the returned {@link ManagedSocket} and closes
 * it. If the owner is garbage-collected while its socket is still open, the
 * registry closes the socket and reports a leak (a `leak` event and a process
 * warning with the owner's label and the stack where the socket was opened).
 * The registry never keeps an owner alive, so no cycle across packages can
 * keep a socket open.
 *
 * Use {@link SocketRegistry.default} unless a test needs its own registry.
 */
export class SocketRegistry extends EventEmitter<SocketRegistryEvents> implements AsyncDisposable {
  /** The process-wide registry that purertc packages use by default. */
  static readonly default: SocketRegistry = new SocketRegistry();

  private readonly entries = new Map<number, SocketEntry | TcpEntry>();
  private readonly finalizer = new FinalizationRegistry<number>((id) => this.collected(id));
  private isClosed = false;

  /**
   * Whether each socket records the stack of its opener, for leak reports
   * and {@link SocketRegistry.list}. Default: on when the environment has
   * `PURERTC_SOCKET_STACKS=1`; the leak check of `@purertc/socket/testing`
   * turns it on for the registry it watches. Off, a socket's `stack` is a
   * line saying how to turn it on and the owner is named by its label only:
   * capturing cost ~0.15–0.3 ms of CPU per data-channel open (two PeerConnections). Owners stay weakly
   * held either way (a stack is kept formatted, never as live frames).
   */
  captureStacks: boolean = stacksFromEnvironment();

  /** Number of open sockets (UDP sockets, TCP listeners and TCP connections). */
  get size(): number {
    return this.entries.size;
  }

  /** True once {@link SocketRegistry.close} was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Opens and binds a UDP socket for `owner`.
   * @throws SocketError `ERR_BIND` if the OS refuses the bind, `ERR_ABORTED`
   *   if `signal` aborts first, `ERR_REGISTRY_CLOSED` after close().
   */
  async open(owner: object, options: OpenSocketOptions): Promise<ManagedSocket> {
    if (this.isClosed) throw new SocketError("ERR_REGISTRY_CLOSED", "the socket registry is closed");
    const signal = options.signal;
    if (signal?.aborted) throw new SocketError("ERR_ABORTED", `open of "${options.label}" aborted`);
    const type = options.type ?? "udp4";
    const socket = dgram.createSocket({
      type,
      reuseAddr: options.reuseAddr ?? false,
      ipv6Only: options.ipv6Only ?? false,
      lookup: literalLookup,
      ...(options.recvBufferSize === undefined ? {} : { recvBufferSize: options.recvBufferSize }),
      ...(options.sendBufferSize === undefined ? {} : { sendBufferSize: options.sendBufferSize }),
    });
    const stack = this.captureStacks ? openerStack(SocketRegistry.prototype.open) : STACK_NOT_RECORDED;
    const entry: SocketEntry = {
      kind: "udp",
      id: nextId++,
      label: options.label,
      type,
      openedAt: performance.now(),
      stack,
      socket,
      stats: { packetsIn: 0, bytesIn: 0, packetsOut: 0, bytesOut: 0, errors: 0 },
      closed: false,
      closing: undefined,
      local: undefined,
    };
    this.entries.set(entry.id, entry);
    const handle = new ManagedSocket(entry, (e) => this.release(e));
    // The OS socket holds only a WeakRef to the handle: listeners that the
    // owner adds to the handle close over the owner, and must not be
    // reachable from the (rooted) OS socket, or a leaked owner would never
    // be collected and never reported.
    const weakHandle = new WeakRef(handle);
    socket.on("message", (data: Buffer, remote: RemoteInfo) => {
      weakHandle.deref()?.deliver(data, remote);
    });
    socket.on("error", (error: Error) => {
      log("socket %s (%s) error: %s", entry.id, entry.label, error.message);
      weakHandle.deref()?.fail(error);
    });
    socket.once("close", () => {
      entry.closed = true;
      weakHandle.deref()?.emit("close");
    });

    try {
      await bind(socket, options, signal);
    } catch (error) {
      await this.release(entry);
      if (error instanceof SocketError) throw error;
      throw new SocketError(
        "ERR_BIND",
        `cannot bind ${type} socket "${options.label}" to ${formatAddress(options.address ?? (type === "udp4" ? "0.0.0.0" : "::"), options.port ?? 0)}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    entry.local = socket.address();
    if (options.multicast) {
      try {
        const m = options.multicast;
        if (m.interface) socket.setMulticastInterface(m.interface);
        if (m.loopback !== undefined) socket.setMulticastLoopback(m.loopback);
        if (m.ttl !== undefined) socket.setMulticastTTL(m.ttl);
        for (const group of m.groups) socket.addMembership(group, m.interface);
      } catch (error) {
        await this.release(entry);
        throw new SocketError(
          "ERR_BIND",
          `cannot join multicast on "${options.label}": ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
    }
    this.finalizer.register(owner, entry.id, entry);
    log("opened %s %s for %s", type, formatAddress(entry.local.address, entry.local.port), entry.label);
    return handle;
  }

  /**
   * Opens a listening TCP socket for `owner`. Each accepted connection is a
   * registry entry of its own, handed out as the server's `connection`
   * event; closing the server closes them all.
   * @throws SocketError `ERR_BIND` if the OS refuses, `ERR_ABORTED`, `ERR_REGISTRY_CLOSED`.
   */
  async listen(owner: object, options: ListenOptions): Promise<ManagedServer> {
    if (this.isClosed) throw new SocketError("ERR_REGISTRY_CLOSED", "the socket registry is closed");
    const server = await openServer(
      this.tcpHooks,
      owner,
      options,
      this.captureStacks ? openerStack(SocketRegistry.prototype.listen) : STACK_NOT_RECORDED,
    );
    log("listening tcp %s for %s", this.list().at(-1)?.local, options.label);
    return server;
  }

  /**
   * Dials a TCP connection for `owner`; resolves once it is up.
   * @throws SocketError `ERR_CONNECT` (refused, unreachable, timed out),
   *   `ERR_ABORTED`, `ERR_REGISTRY_CLOSED`.
   */
  async connect(owner: object, options: ConnectOptions): Promise<ManagedConnection> {
    if (this.isClosed) throw new SocketError("ERR_REGISTRY_CLOSED", "the socket registry is closed");
    const stack = this.captureStacks ? openerStack(SocketRegistry.prototype.connect) : STACK_NOT_RECORDED;
    return openConnection(this.tcpHooks, owner, options, stack);
  }

  private readonly tcpHooks: RegistryHooks = {
    nextId: () => nextId++,
    track: (entry) => {
      if (this.isClosed) void entry.shutdown();
      else this.entries.set(entry.id, entry);
    },
    release: (entry) => this.release(entry),
    register: (owner, entry) => this.finalizer.register(owner, entry.id, entry),
  };

  /** The open sockets, with owner label, local address, age and counters. */
  list(): SocketInfo[] {
    const now = performance.now();
    return [...this.entries.values()].map((e) => ({
      id: e.id,
      label: e.label,
      type: e.type,
      local: e.local ? formatAddress(e.local.address, e.local.port) : "(unbound)",
      ...(e.kind === "tcp" && e.remote ? { remote: e.remote } : {}),
      ageMs: Math.round(now - e.openedAt),
      stats: { ...e.stats },
      stack: e.stack,
    }));
  }

  /** A human-readable report of the open sockets (one line each). */
  report(): string {
    const list = this.list();
    if (list.length === 0) return "socket registry: no socket open";
    const lines = list.map(
      (s) =>
        `  #${s.id} ${s.label} ${s.type} ${s.local}${s.remote ? ` -> ${s.remote}` : ""} age ${s.ageMs} ms, in ${s.stats.packetsIn} pkts/${s.stats.bytesIn} B, out ${s.stats.packetsOut} pkts/${s.stats.bytesOut} B`,
    );
    return `socket registry: ${list.length} socket(s) open\n${lines.join("\n")}`;
  }

  /** Closes every socket still open and refuses new ones. Idempotent. */
  async close(): Promise<void> {
    this.isClosed = true;
    await Promise.all([...this.entries.values()].map((e) => this.release(e)));
  }

  /** Same as {@link SocketRegistry.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private release(entry: SocketEntry | TcpEntry): Promise<void> {
    if (entry.closing) return entry.closing;
    this.finalizer.unregister(entry);
    if (entry.kind === "tcp") {
      this.entries.delete(entry.id);
      const children = entry.children ? [...entry.children].map((c) => this.release(c)) : [];
      const wasClosed = entry.closed;
      entry.closed = true;
      entry.closing = Promise.all([...children, wasClosed ? undefined : entry.shutdown()]).then(() => {});
      return entry.closing;
    }
    entry.closing = new Promise<void>((resolve) => {
      this.entries.delete(entry.id);
      if (entry.closed) {
        resolve();
        return;
      }
      entry.closed = true;
      try {
        entry.socket.close(() => resolve());
      } catch {
        // Already closed by dgram itself (e.g. a failed bind).
        resolve();
      }
    });
    return entry.closing;
  }

  private collected(id: number): void {
    const entry = this.entries.get(id);
    if (!entry || entry.closed) return;
    const report: LeakReport = {
      label: entry.label,
      local: entry.local ? formatAddress(entry.local.address, entry.local.port) : "(unbound)",
      stack: entry.stack,
      ageMs: Math.round(performance.now() - entry.openedAt),
    };
    void this.release(entry);
    process.emitWarning(
      `purertc: socket "${report.label}" (${report.local}) was leaked: its owner was garbage-collected without closing it. Call close() on the owner. Opened at:\n${report.stack}`,
      { type: "PurertcSocketLeakWarning", code: "PURERTC_SOCKET_LEAK" },
    );
    this.emit("leak", report);
  }
}

/** The IP literal {@link literalLookup} answered last, and its family. */
let lastLiteral = "";
let lastFamily = 0;

/**
 * dgram's address lookup, answered at once for IP literals. dgram resolves the
 * address of every send, even `127.0.0.1`, through `dns.lookup`, which answers
 * literals on the next tick: one extra tick and closure per datagram on every
 * path of the stack (STUN, ICE checks, DTLS flights). Names still go to
 * `dns.lookup`.
 */
function literalLookup(
  hostname: string,
  options: LookupOneOptions | number,
  callback: (error: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  // The same few peer addresses come back datagram after datagram: the last
  // literal is remembered, sparing isIP's regular expressions per send.
  const family = hostname === lastLiteral ? lastFamily : isIP(hostname);
  if (family !== 0) {
    lastLiteral = hostname;
    lastFamily = family;
    callback(null, hostname, family);
  } else dnsLookup(hostname, options as LookupOneOptions, callback);
}

function bind(socket: dgram.Socket, options: OpenSocketOptions, signal: AbortSignal | undefined) {
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      cleanup();
      reject(new SocketError("ERR_ABORTED", `open of "${options.label}" aborted`));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      socket.off("error", onError);
      signal?.removeEventListener("abort", onAbort);
    };
    socket.once("error", onError);
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.bind({ port: options.port ?? 0, address: options.address }, () => {
      cleanup();
      resolve();
    });
  });
}

/** Formats `ip:port`, with IPv6 addresses in brackets. */
export function formatAddress(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}
