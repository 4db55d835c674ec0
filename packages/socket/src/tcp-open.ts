import net from "node:net";
import { SocketError } from "./errors.js";
import { ManagedConnection } from "./tcp-connection.js";
import { newStats, type TcpEntry } from "./tcp-entry.js";
import { ManagedServer } from "./tcp-server.js";
import { startTimer } from "./timers.js";

/** How to listen with {@link SocketRegistry.listen}. */
export interface ListenOptions {
  /** Names the owner in reports and leak warnings, e.g. `"ice-tcp-passive"`. */
  label: string;
  /** Address family. Default `tcp4`, or the family of `address`. */
  type?: "tcp4" | "tcp6";
  /** Bind address. Default: all interfaces of the family. */
  address?: string;
  /** Port. Default 0 (any free port). */
  port?: number;
  /** Listen backlog. Default 511 (Node's). */
  backlog?: number;
  /** Connections open at once beyond which new ones are refused (closed at accept). Default: no limit. */
  maxConnections?: number;
  /** Aborting before the socket listens closes it and rejects. */
  signal?: AbortSignal;
}

/** How to dial with {@link SocketRegistry.connect}. */
export interface ConnectOptions {
  /** Names the owner in reports and leak warnings. */
  label: string;
  /** The peer's IP address. */
  address: string;
  /** The peer's port. */
  port: number;
  /** Local IP to connect from. Default: chosen by the OS. */
  localAddress?: string;
  /** Give up connecting after this long, ms. Default 10000. */
  timeoutMs?: number;
  /** Aborting before the connection is up destroys it and rejects. */
  signal?: AbortSignal;
}

/** What the TCP openers need from the registry. */
export interface RegistryHooks {
  nextId(): number;
  /** Counts an entry as open. */
  track(entry: TcpEntry): void;
  /** Closes (if needed) and forgets an entry. */
  release(entry: TcpEntry): Promise<void>;
  /** Closes `entry` and reports a leak if `owner` is collected first. */
  register(owner: object, entry: TcpEntry): void;
}

/** Longest close() lets queued bytes leave before the connection is destroyed, ms. */
const FLUSH_LIMIT_MS = 100;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

function familyOf(address: string | undefined, type: "tcp4" | "tcp6" | undefined): "tcp4" | "tcp6" {
  if (type) return type;
  return address !== undefined && net.isIP(address) === 6 ? "tcp6" : "tcp4";
}

/** `ip:port`, IPv6 in brackets. */
function where(address: string | undefined, port: number | undefined): string {
  const a = address ?? "?";
  return a.includes(":") ? `[${a}]:${port ?? 0}` : `${a}:${port ?? 0}`;
}

/** Destroys a socket, after a bounded moment for queued bytes; resolves on its `close`. */
function shutdownSocket(socket: net.Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    if (socket.closed) {
      resolve();
      return;
    }
    socket.once("close", () => resolve());
    if (!socket.destroyed && !socket.connecting && socket.writableLength > 0) {
      socket.end();
      const cancel = startTimer(() => socket.destroy(), FLUSH_LIMIT_MS);
      socket.once("close", cancel);
    } else socket.destroy();
  });
}

/** An entry and handle for one connection socket; the OS socket holds the handle only weakly. */
function connectionEntry(
  hooks: RegistryHooks,
  socket: net.Socket,
  label: string,
  stack: string,
  type: "tcp4" | "tcp6",
): { entry: TcpEntry; handle: ManagedConnection } {
  const entry: TcpEntry = {
    kind: "tcp",
    id: hooks.nextId(),
    label,
    type,
    openedAt: performance.now(),
    stack,
    stats: newStats(),
    closed: false,
    closing: undefined,
    local: undefined,
    remote: undefined,
    children: undefined,
    shutdown: () => shutdownSocket(socket),
  };
  const handle = new ManagedConnection(entry, socket, hooks.release);
  const weak = new WeakRef(handle);
  socket.on("data", (data: Buffer) => weak.deref()?.deliver(data));
  socket.on("error", (error: Error) => weak.deref()?.fail(error));
  socket.once("close", () => {
    entry.closed = true;
    void hooks.release(entry);
    weak.deref()?.emit("close");
  });
  return { entry, handle };
}

function fillAddresses(entry: TcpEntry, socket: net.Socket): void {
  entry.local = {
    address: socket.localAddress ?? "",
    family: entry.type === "tcp6" ? "IPv6" : "IPv4",
    port: socket.localPort ?? 0,
  };
  entry.remote = where(socket.remoteAddress, socket.remotePort);
}

/**
 * The entry and handle of an accepted connection. Its own function so that
 * no closure kept by the OS socket captures the handle (it would keep its
 * taker alive and hide a leak).
 */
function acceptConnection(
  hooks: RegistryHooks,
  socket: net.Socket,
  label: string,
  stack: string,
  type: "tcp4" | "tcp6",
  children: Set<TcpEntry>,
): ManagedConnection {
  const { entry, handle } = connectionEntry(hooks, socket, label, stack, type);
  fillAddresses(entry, socket);
  children.add(entry);
  socket.once("close", () => children.delete(entry));
  hooks.track(entry);
  // An accepted connection dropped by its taker without close() is a leak too.
  hooks.register(handle, entry);
  return handle;
}

/** Opens a listening socket; see {@link SocketRegistry.listen}. */
export async function openServer(
  hooks: RegistryHooks,
  owner: object,
  options: ListenOptions,
  stack: string,
): Promise<ManagedServer> {
  const type = familyOf(options.address, options.type);
  const signal = options.signal;
  if (signal?.aborted) throw new SocketError("ERR_ABORTED", `listen of "${options.label}" aborted`);
  const server = net.createServer({ allowHalfOpen: false, noDelay: true });
  if (options.maxConnections !== undefined) server.maxConnections = options.maxConnections;
  const children = new Set<TcpEntry>();
  const entry: TcpEntry = {
    kind: "tcp",
    id: hooks.nextId(),
    label: options.label,
    type,
    openedAt: performance.now(),
    stack,
    stats: newStats(),
    closed: false,
    closing: undefined,
    local: undefined,
    remote: undefined,
    children,
    shutdown: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const handle = new ManagedServer(entry, hooks.release);
  const weak = new WeakRef(handle);
  server.on("connection", (socket: net.Socket) => {
    const h = weak.deref();
    if (!h || entry.closed) {
      socket.destroy();
      return;
    }
    h.accept(acceptConnection(hooks, socket, `${options.label}/accepted`, stack, type, children));
  });
  server.on("drop", () => entry.stats.errors++);
  server.on("error", (error: Error) => weak.deref()?.fail(error));
  hooks.track(entry);
  try {
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        cleanup();
        reject(new SocketError("ERR_ABORTED", `listen of "${options.label}" aborted`));
      };
      const onError = (error: Error) => {
        cleanup();
        reject(error);
      };
      const cleanup = () => {
        server.off("error", onError);
        signal?.removeEventListener("abort", onAbort);
      };
      server.once("error", onError);
      signal?.addEventListener("abort", onAbort, { once: true });
      server.listen(
        {
          host: options.address ?? (type === "tcp6" ? "::" : "0.0.0.0"),
          port: options.port ?? 0,
          backlog: options.backlog,
          ipv6Only: type === "tcp6",
        },
        () => {
          cleanup();
          resolve();
        },
      );
    });
  } catch (error) {
    await hooks.release(entry);
    if (error instanceof SocketError) throw error;
    throw new SocketError(
      "ERR_BIND",
      `cannot listen on ${where(options.address, options.port)} for "${options.label}": ${(error as Error).message}`,
      { cause: error },
    );
  }
  entry.local = server.address() as net.AddressInfo;
  hooks.register(owner, entry);
  return handle;
}

/** Dials a connection; see {@link SocketRegistry.connect}. */
export async function openConnection(
  hooks: RegistryHooks,
  owner: object,
  options: ConnectOptions,
  stack: string,
): Promise<ManagedConnection> {
  const signal = options.signal;
  const target = where(options.address, options.port);
  if (signal?.aborted) throw new SocketError("ERR_ABORTED", `connect of "${options.label}" aborted`);
  if (net.isIP(options.address) === 0) {
    throw new SocketError("ERR_CONNECT", `connect of "${options.label}": "${options.address}" is not an IP`);
  }
  const type = familyOf(options.address, undefined);
  const socket = new net.Socket({ allowHalfOpen: false });
  const { entry, handle } = connectionEntry(hooks, socket, options.label, stack, type);
  hooks.track(entry);
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => {
        cleanup();
        reject(error);
      };
      const onAbort = () => fail(new SocketError("ERR_ABORTED", `connect of "${options.label}" aborted`));
      const onClose = () => fail(new Error("closed while connecting"));
      const cancelTimer = startTimer(
        () => fail(new Error(`timed out after ${options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS} ms`)),
        options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      );
      const cleanup = () => {
        cancelTimer();
        socket.off("error", fail);
        socket.off("close", onClose);
        socket.off("connect", onConnect);
        signal?.removeEventListener("abort", onAbort);
      };
      const onConnect = () => {
        cleanup();
        resolve();
      };
      socket.once("error", fail);
      socket.once("close", onClose);
      socket.once("connect", onConnect);
      signal?.addEventListener("abort", onAbort, { once: true });
      socket.connect({
        host: options.address,
        port: options.port,
        noDelay: true,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      });
    });
  } catch (error) {
    await hooks.release(entry);
    if (error instanceof SocketError) throw error;
    throw new SocketError(
      "ERR_CONNECT",
      `cannot connect "${options.label}" to ${target}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  fillAddresses(entry, socket);
  hooks.register(owner, entry);
  return handle;
}
