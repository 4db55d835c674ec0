// Over 400 lines (450), not split yet: the socket's membership, interface choice (incl. the loopback-only
// multicast source fix) and send/receive paths share its state; the interface choice is the next to move out.
import type { RemoteInfo } from "node:dgram";
import { EventEmitter } from "node:events";
import { isIPv4, isIPv6 } from "node:net";
import { networkInterfaces } from "node:os";
import { createDebug, type ManagedSocket, SocketError, SocketRegistry } from "@purertc/socket";
import type { Answer, Question } from "dns-packet";
import makeMdns from "multicast-dns";
import { MdnsError } from "./errors.js";

const log = createDebug("purertc:mdns");

/** The mDNS port (RFC 6762 §3). */
export const MDNS_PORT = 5353;
/** The IPv4 mDNS group (RFC 6762 §3). */
export const MDNS_GROUP_V4 = "224.0.0.251";
/** The IPv6 link-local mDNS group (RFC 6762 §3). */
export const MDNS_GROUP_V6 = "ff02::fb";

/**
 * Where and how the mDNS socket is opened. Both {@link MdnsResponder} and
 * {@link MdnsResolver} take these; users with equal options in one process
 * (and one registry) share one socket.
 */
export interface MdnsSocketOptions {
  /** The registry to open the socket through. Default `SocketRegistry.default`. */
  registry?: SocketRegistry;
  /** Address family of the socket: 4 (224.0.0.251) or 6 (ff02::fb). Default 4. */
  family?: 4 | 6;
  /**
   * Outgoing multicast interface: an IPv4 address of the interface, or for
   * IPv6 a scoped address such as `::%eth0`. Default: the kernel's choice
   * (the interface of the route to the group, normally the default route's),
   * except on a host whose only IPv4 addresses are loopback ones (a network
   * namespace with only `lo`): there the kernel would send from 0.0.0.0, which
   * standard responders such as avahi drop, so the loopback address is set
   * as the interface and packets leave from it (see {@link defaultMulticastInterface}).
   */
  interface?: string;
  /**
   * The group to send to and listen on. Default the mDNS group of the
   * family. A unicast address here (for example `127.0.0.1`) binds that
   * address and sends every packet to it: a socket that talks to itself,
   * which lets tests run the whole responder and resolver on loopback
   * without sending multicast.
   */
  group?: string;
  /** The port of the group. Default 5353; 0 (unicast groups only) picks a free port. */
  port?: number;
  /** Aborts opening the socket. */
  signal?: AbortSignal;
}

/** Counters of one shared mDNS socket. */
export interface MdnsSocketStats {
  /** Queries received (well-formed). */
  queries: number;
  /** Responses received (well-formed). */
  responses: number;
  /** Datagrams dropped because they did not decode as DNS. */
  malformed: number;
  /** Packets whose handling threw (caught, counted, dropped). */
  handlerErrors: number;
  /** Packets we could not encode or send. */
  sendErrors: number;
}

/** A decoded packet as multicast-dns delivers it. */
export interface MdnsPacket {
  id?: number;
  type?: string;
  flags?: number;
  questions?: Question[];
  answers?: Answer[];
  authorities?: Answer[];
  additionals?: Answer[];
}

/** What a user of the shared socket receives. */
export interface MdnsPacketHandler {
  onQuery?(packet: MdnsPacket, remote: RemoteInfo): void;
  onResponse?(packet: MdnsPacket, remote: RemoteInfo): void;
}

/** Where a packet goes; default the group. */
export interface MdnsDestination {
  address: string;
  port: number;
}

/**
 * The `dgram.Socket` face that multicast-dns sees. multicast-dns is given
 * this instead of a socket of its own (its `socket` option) with `bind:false`
 * and `multicast:false`, so it never creates, binds, joins or closes a socket
 * and starts no interval timer: the registry owns the one real socket, and
 * every datagram goes through the {@link ManagedSocket} (counted in its stats).
 * multicast-dns only decodes what this emits as `message` and encodes what it
 * sends through `send`.
 */
class DgramFace extends EventEmitter {
  constructor(private readonly socket: ManagedSocket) {
    super();
  }

  send(
    buffer: Uint8Array,
    offset: number,
    length: number,
    port: number,
    address: string,
    callback?: (error: Error | null) => void,
  ): void {
    if (this.socket.closed) {
      callback?.(null);
      return;
    }
    this.socket.send(buffer.subarray(offset, offset + length), port, address, (error) => callback?.(error));
  }

  address() {
    return this.socket.address();
  }

  // multicast-dns calls close() only from destroy(); the registry closes the
  // real socket when the last user releases it.
  close(callback?: () => void): void {
    void this.socket.close().then(() => callback?.());
  }
}

/**
 * One mDNS socket shared by reference count: the registry's owner of the
 * real socket, with multicast-dns on top for the DNS wire format.
 */
export class SharedMdnsSocket {
  /** @internal users holding a lease */
  refs = 0;
  /** @internal set once the last lease was released */
  closing: Promise<void> | undefined;
  readonly stats: MdnsSocketStats = {
    queries: 0,
    responses: 0,
    malformed: 0,
    handlerErrors: 0,
    sendErrors: 0,
  };
  private readonly handlers = new Set<MdnsPacketHandler>();
  private readonly face: DgramFace;
  private readonly mdns: makeMdns.MulticastDNS;

  private constructor(
    private readonly socket: ManagedSocket,
    /** The group (address and port) packets go to by default. */
    readonly group: MdnsDestination,
    // The registry holds the owner object weakly; holding it here ties its
    // life to this shared socket, so a socket every user forgot to release
    // is collected, closed and reported by the registry.
    readonly _owner: object,
  ) {
    this.face = new DgramFace(socket);
    this.mdns = makeMdns({
      socket: this.face as unknown as import("node:dgram").Socket,
      type: socket.type,
      ip: group.address,
      port: group.port,
      // multicast-dns insists on an interface for udp6; it is used only by
      // its own membership code, which multicast:false turns off.
      interface: socket.type === "udp6" ? "::" : undefined,
      bind: false,
      multicast: false,
    });
    this.mdns.on("query", (packet: MdnsPacket, remote: RemoteInfo) => {
      this.stats.queries++;
      this.dispatch("onQuery", packet, remote);
    });
    this.mdns.on("response", (packet: MdnsPacket, remote: RemoteInfo) => {
      this.stats.responses++;
      this.dispatch("onResponse", packet, remote);
    });
    // multicast-dns reports undecodable datagrams as `warning`.
    this.mdns.on("warning", (error: Error) => {
      this.stats.malformed++;
      log("dropped a datagram: %s", error.message);
    });
    this.mdns.on("error", (error: Error) => {
      this.stats.handlerErrors++;
      log("multicast-dns error: %s", error.message);
    });
    socket.on("message", (data, remote) => {
      try {
        this.face.emit("message", data, remote);
      } catch (error) {
        // dns-packet throws plain Errors on some inputs that multicast-dns
        // does not wrap; a packet never takes the socket down.
        this.stats.malformed++;
        log("dropped a datagram: %s", (error as Error).message);
      }
    });
  }

  /** @internal Opens the real socket through the registry. */
  static async open(registry: SocketRegistry, options: ResolvedOptions): Promise<SharedMdnsSocket> {
    const holder = {};
    const multicast = isMulticast(options.group);
    let socket: ManagedSocket;
    try {
      socket = await registry.open(holder, {
        label: `mdns ${options.group}:${options.port}`,
        type: options.family === 6 ? "udp6" : "udp4",
        address: multicast ? (options.family === 6 ? "::" : "0.0.0.0") : options.group,
        port: options.port,
        reuseAddr: true,
        ipv6Only: options.family === 6,
        multicast: multicast
          ? {
              groups: [options.group],
              interface: options.interface,
              loopback: true,
              ttl: 255, // RFC 6762 §11: sent with IP TTL 255
            }
          : undefined,
      });
    } catch (error) {
      const detail = error instanceof SocketError ? error.message : String(error);
      throw new MdnsError("ERR_SOCKET", `cannot open the mDNS socket: ${detail}`, { cause: error });
    }
    const port = options.port === 0 ? socket.address().port : options.port;
    return new SharedMdnsSocket(socket, { address: options.group, port }, holder);
  }

  /** The bound local address. */
  address() {
    return this.socket.address();
  }

  /** True once the socket is closed. */
  get closed(): boolean {
    return this.socket.closed;
  }

  /** Adds a packet handler; remove it with {@link SharedMdnsSocket.unsubscribe}. */
  subscribe(handler: MdnsPacketHandler): void {
    this.handlers.add(handler);
  }

  unsubscribe(handler: MdnsPacketHandler): void {
    this.handlers.delete(handler);
  }

  /**
   * Sends a query (QM, to the group), with known answers (§7.1) or, for a
   * probe, the proposed records in the authority section (§8.2). Resolves
   * when the datagram is handed to the OS.
   */
  query(questions: Question[], answers: Answer[] = [], authorities: Answer[] = []): Promise<void> {
    return this.send((done) => this.mdns.query({ id: 0, questions, answers, authorities }, done));
  }

  /**
   * Sends a response, to the group unless `to` says otherwise. Resolves when
   * the datagram is handed to the OS (or could not be sent; that is counted).
   */
  respond(
    response: { id?: number; questions?: Question[]; answers: Answer[]; additionals?: Answer[] },
    to?: MdnsDestination,
  ): Promise<void> {
    return this.send((done) =>
      to
        ? this.mdns.respond({ ...response, id: response.id ?? 0 }, { ...to }, done)
        : this.mdns.respond({ ...response, id: response.id ?? 0 }, done),
    );
  }

  /**
   * @internal Sends raw bytes from the mDNS socket (to the group by
   * default): tests use it to put forged and malformed datagrams on the
   * real socket path, arriving from port 5353 as a peer's would.
   */
  sendRaw(data: Uint8Array, to: MdnsDestination = this.group): void {
    if (!this.socket.closed) this.socket.send(data, to.port, to.address);
  }

  /** @internal Closes the socket (called by the pool when the last lease goes). */
  close(): Promise<void> {
    this.handlers.clear();
    return new Promise<void>((resolve) => this.mdns.destroy(() => resolve()));
  }

  private send(start: (done: (error: Error | null) => void) => void): Promise<void> {
    if (this.socket.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (error: Error | null) => {
        if (error) {
          this.stats.sendErrors++;
          log("send failed: %s", error.message);
        }
        resolve();
      };
      try {
        start(done);
      } catch (error) {
        // dns-packet throws on records it cannot encode.
        done(error as Error);
      }
    });
  }

  private dispatch(kind: keyof MdnsPacketHandler, packet: MdnsPacket, remote: RemoteInfo): void {
    for (const handler of [...this.handlers]) {
      try {
        handler[kind]?.(packet, remote);
      } catch (error) {
        this.stats.handlerErrors++;
        log("handler threw on a packet from %s: %s", remote.address, (error as Error).message);
      }
    }
  }
}

interface ResolvedOptions {
  family: 4 | 6;
  group: string;
  port: number;
  interface: string | undefined;
}

function isMulticast(address: string): boolean {
  if (isIPv4(address)) {
    const first = Number(address.split(".")[0]);
    return first >= 224 && first <= 239;
  }
  return isIPv6(address) && address.toLowerCase().startsWith("ff");
}

function resolveOptions(options: MdnsSocketOptions): ResolvedOptions {
  const family = options.family ?? 4;
  if (family !== 4 && family !== 6) throw new MdnsError("ERR_SOCKET", `family must be 4 or 6, got ${family}`);
  const group = options.group ?? (family === 4 ? MDNS_GROUP_V4 : MDNS_GROUP_V6);
  if (family === 4 ? !isIPv4(group) : !isIPv6(group)) {
    throw new MdnsError("ERR_SOCKET", `group ${group} is not an IPv${family} address`);
  }
  const port = options.port ?? MDNS_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535 || (port === 0 && isMulticast(group))) {
    throw new MdnsError("ERR_SOCKET", `bad mDNS port ${port}`);
  }
  const iface = options.interface ?? (isMulticast(group) ? defaultMulticastInterface(family) : undefined);
  return { family, group, port, interface: iface };
}

/**
 * The outgoing multicast interface to set when the caller names none:
 * `undefined` (the kernel's choice) unless every IPv4 address of the host is
 * a loopback one, then that loopback address. Linux picks a multicast
 * source address of at least link scope; 127.0.0.1 has host scope, so with
 * only `lo` the kernel's choice is 0.0.0.0 (RFC 1122 forbids it as a
 * source; avahi ignores such packets). Naming the interface by its address
 * (IP_MULTICAST_IF) makes the kernel send from that address. Hosts with any
 * other IPv4 address already get a real source (the kernel falls back to it).
 */
export function defaultMulticastInterface(
  family: 4 | 6,
  interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces(),
): string | undefined {
  if (family !== 4) return undefined;
  const v4 = Object.values(interfaces)
    .flat()
    .filter((info) => info !== undefined && info.family === "IPv4");
  if (v4.length === 0 || v4.some((info) => !info?.internal)) return undefined;
  return v4[0]?.address;
}

type Slot = { opening: Promise<SharedMdnsSocket> } | { ref: WeakRef<SharedMdnsSocket> };

// Per registry, per socket key: the shared socket (held weakly; leases hold it).
const pools = new WeakMap<SocketRegistry, Map<string, Slot>>();

/** A user's hold on a shared mDNS socket; release it exactly once (idempotent). */
export interface MdnsSocketLease {
  readonly socket: SharedMdnsSocket;
  release(): Promise<void>;
}

/**
 * Gets the shared mDNS socket for `options`, opening it if this is the
 * first user. One socket per registry and (family, group, port, interface);
 * the last lease released closes it.
 */
export async function acquireMdnsSocket(options: MdnsSocketOptions = {}): Promise<MdnsSocketLease> {
  const resolved = resolveOptions(options);
  const registry = options.registry ?? SocketRegistry.default;
  const key = `${resolved.family}|${resolved.group}|${resolved.port}|${resolved.interface ?? ""}`;
  let pool = pools.get(registry);
  if (!pool) {
    pool = new Map();
    pools.set(registry, pool);
  }
  // Bounded: each turn either takes a live socket, waits out one closing
  // socket, or opens a new one.
  for (let attempt = 0; attempt < 16; attempt++) {
    if (options.signal?.aborted) throw new MdnsError("ERR_ABORTED", "opening the mDNS socket was aborted");
    const slot = pool.get(key);
    let shared: SharedMdnsSocket | undefined;
    if (slot && "opening" in slot) shared = await slot.opening;
    else if (slot) shared = slot.ref.deref();
    if (shared?.closing) {
      await shared.closing;
      continue;
    }
    if (!shared || shared.closed) {
      const opening = SharedMdnsSocket.open(registry, resolved);
      pool.set(key, { opening });
      try {
        shared = await opening;
      } catch (error) {
        pool.delete(key);
        throw error;
      }
      pool.set(key, { ref: new WeakRef(shared) });
    }
    shared.refs++;
    const lease = makeLease(shared, () => {
      const current = pool.get(key);
      if (current && "ref" in current && current.ref.deref() === shared) pool.delete(key);
    });
    if (options.signal?.aborted) {
      await lease.release();
      throw new MdnsError("ERR_ABORTED", "opening the mDNS socket was aborted");
    }
    return lease;
  }
  throw new MdnsError("ERR_SOCKET", "the mDNS socket kept closing while being acquired");
}

function makeLease(shared: SharedMdnsSocket, forget: () => void): MdnsSocketLease {
  let released: Promise<void> | undefined;
  return {
    socket: shared,
    release() {
      if (released) return released;
      shared.refs--;
      if (shared.refs > 0) {
        released = Promise.resolve();
        return released;
      }
      forget();
      shared.closing = shared.close();
      released = shared.closing;
      return released;
    },
  };
}
