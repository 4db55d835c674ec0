// The one registry socket behind every mDNS responder and resolver with equal
// options: multicast-dns decodes and encodes, the ManagedSocket sends and receives.
import type { RemoteInfo } from "node:dgram";
import { EventEmitter } from "node:events";
import { createDebug, type ManagedSocket, SocketError, type SocketRegistry } from "@purertc/socket";
import type { Answer, Question } from "dns-packet";
import makeMdns from "multicast-dns";
import { MdnsError } from "./errors.js";
import { isMulticast, type ResolvedOptions } from "./socket-options.js";

const log = createDebug("purertc:mdns");

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
