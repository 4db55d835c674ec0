import type { RemoteInfo } from "node:dgram";
import { isIP } from "node:net";
import { createDebug, type ManagedSocket, SocketError, SocketRegistry } from "@purertc/socket";
import { IceError } from "../errors.js";
import type { CandidateBase } from "../gather/base.js";
import { hostAddresses } from "../gather/host.js";
import { bindingRequestUfrag } from "./username.js";

const log = createDebug("purertc:ice:mux");

/** Most remote addresses one route remembers; the oldest goes first (a flood cannot grow it). */
const MAX_REMOTES_PER_ROUTE = 64;

/** Options of {@link UdpMux.open}. */
export interface UdpMuxOptions {
  /**
   * The local IP to bind and to announce in host candidates (an address of
   * this host: `127.0.0.1`, a public IP…), or the wildcard `0.0.0.0` / `::`
   * to bind every address of that family in one socket and announce a host
   * candidate per interface address (see `announce`). One mux is one socket
   * of one family: for both, open one per family (same port).
   */
  address: string;
  /**
   * With a wildcard `address`: the addresses to announce in host candidates.
   * Default: every interface address of the mux's family, loopback included
   * and last, link-local left out (as at the time of open()). Replies leave
   * with the source address the kernel picks for the peer's route, which is
   * the announced one when each interface has one address of the family;
   * with several addresses on one interface, bind specific addresses instead.
   */
  announce?: string[];
  /** The UDP port. Default 0 (a free port; read it from {@link UdpMux.port}). */
  port?: number;
  /** The registry the socket is opened through. Default {@link SocketRegistry.default}. */
  registry?: SocketRegistry;
  /**
   * Receive and send buffer of the socket, bytes (capped by the kernel at
   * net.core.rmem_max / wmem_max). One socket carries every peer's traffic:
   * with the OS default (about 208 KiB) a pause of the event loop (a burst
   * of DTLS handshakes, a GC) overflows it and the kernel drops consent
   * checks. Default 4 MiB.
   */
  bufferBytes?: number;
  /** Aborts opening. */
  signal?: AbortSignal;
}

/** Counters of a {@link UdpMux}. */
export interface UdpMuxStats {
  /** Datagrams handed to an agent. */
  routed: number;
  /** Datagrams for no agent (unknown ufrag and unknown source), dropped. */
  dropped: number;
  /** Routes (agent generations) attached now. */
  routes: number;
  /** Remote addresses known now, over all routes. */
  remotes: number;
  /** Routes whose agent was garbage-collected without being closed (removed then). */
  leakedRoutes: number;
}

/**
 * One UDP socket shared by any number of ICE agents (server mode: one port
 * for every PeerConnection, as pion's and libwebrtc's UDP mux). Each agent
 * generation attaches a route under its local ufrag; incoming Binding
 * requests are routed by the ufrag in USERNAME (`local:remote`), everything
 * else (responses, DTLS, consent answers) by the source address, which a
 * route learns when its agent sends a check there or answers one with
 * success. A datagram for no route is dropped and counted.
 *
 * Ownership: the mux is the registry owner of its socket; the agents own
 * their routes (closing an agent or restarting it removes them). Closing
 * every agent leaves the socket open; `close()` closes it and fails the
 * agents still attached (`failed`, with `IceError` `ERR_CLOSED`). The mux
 * holds routes weakly: an agent dropped without close() is collected, its
 * routes removed and counted in `leakedRoutes`.
 *
 * ```ts
 * await using mux = await UdpMux.open({ address: "127.0.0.1", port: 3478 });
 * const agent = new IceAgent({ lite: true, udpMux: mux }); // host candidate 127.0.0.1:3478
 * ```
 */
export class UdpMux implements AsyncDisposable {
  /** The bound address (the wildcard for a wildcard mux). */
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
  /** The addresses host candidates on this mux announce, most preferred first. */
  readonly addresses: readonly string[];
  private readonly byUfrag = new Map<string, WeakRef<MuxBase>>();
  private readonly byRemote = new Map<string, WeakRef<MuxBase>>();
  private readonly routes = new Set<WeakRef<MuxBase>>();
  private readonly counters = { routed: 0, dropped: 0, leakedRoutes: 0 };
  private closing: Promise<void> | undefined = undefined;
  private readonly finalizer = new FinalizationRegistry<{ ufrag: string; ref: WeakRef<MuxBase> }>((held) =>
    this.collected(held.ufrag, held.ref),
  );
  private readonly onMessage = (data: Buffer, remote: RemoteInfo) => this.route(data, remote);

  private constructor(
    private readonly socket: ManagedSocket,
    // The registry holds its owner weakly; holding it here ties the socket's
    // life to the mux: a mux dropped without close() is reported as a leak.
    readonly _owner: object,
    announce: string[] | undefined,
  ) {
    const local = socket.address();
    this.address = local.address;
    this.port = local.port;
    this.family = socket.type === "udp6" ? 6 : 4;
    this.addresses = announce ?? [local.address];
    socket.on("message", this.onMessage);
  }

  /**
   * Opens the shared socket through the registry.
   * @throws IceError `ERR_STATE` for a bad address or port, `ERR_OPTIONS`
   *   for `announce` without a wildcard address, announced addresses of the
   *   other family or none at all, `ERR_CLOSED` when the OS refuses the bind
   *   or `signal` aborts (the cause says which).
   */
  static async open(options: UdpMuxOptions): Promise<UdpMux> {
    const family = isIP(options.address);
    const port = options.port ?? 0;
    if (family === 0)
      throw new IceError("ERR_STATE", `UdpMux address must be an IP, got "${options.address}"`);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new IceError("ERR_STATE", `UdpMux port must be 0-65535, got ${port}`);
    }
    const announce = announced(options, family);
    const registry = options.registry ?? SocketRegistry.default;
    const holder = {};
    let socket: ManagedSocket;
    try {
      socket = await registry.open(holder, {
        label: "ice-udp-mux",
        type: family === 6 ? "udp6" : "udp4",
        address: options.address,
        port,
        ipv6Only: family === 6,
        recvBufferSize: options.bufferBytes ?? 4 * 1024 * 1024,
        sendBufferSize: options.bufferBytes ?? 4 * 1024 * 1024,
        signal: options.signal,
      });
    } catch (error) {
      const detail = error instanceof SocketError ? error.message : String(error);
      throw new IceError("ERR_CLOSED", `cannot open the UdpMux socket: ${detail}`, { cause: error });
    }
    return new UdpMux(socket, holder, announce);
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Counters: routed and dropped datagrams, routes and remotes now. */
  get stats(): UdpMuxStats {
    return { ...this.counters, routes: this.byUfrag.size, remotes: this.byRemote.size };
  }

  /** The receive buffer the kernel granted, bytes (it doubles the asked size for its bookkeeping). */
  get receiveBufferBytes(): number {
    return this.closing ? 0 : this.socket.raw.getRecvBufferSize();
  }

  /** Socket traffic counters of the registry (packets and bytes in and out). */
  get socketStats() {
    return this.socket.stats;
  }

  /**
   * @internal Attaches one agent generation under its local ufrag and
   * returns its base (a {@link CandidateBase} at the mux's address and port).
   * @throws IceError `ERR_CLOSED` after close(), `ERR_STATE` if the ufrag is taken.
   */
  attach(ufrag: string, onClosed: (error: IceError) => void): MuxBase {
    if (this.closing) throw new IceError("ERR_CLOSED", `the UdpMux on ${this.where()} is closed`);
    if (this.byUfrag.get(ufrag)?.deref()) {
      throw new IceError("ERR_STATE", `ufrag ${ufrag} is already attached to the UdpMux on ${this.where()}`);
    }
    const base = new MuxBase(this, ufrag, onClosed);
    const ref = new WeakRef(base);
    base.ref = ref;
    this.byUfrag.set(ufrag, ref);
    this.routes.add(ref);
    this.finalizer.register(base, { ufrag, ref }, base);
    return base;
  }

  /**
   * Closes the socket. Agents still attached fail (`IceError` `ERR_CLOSED`:
   * "the UdpMux … was closed") and their bases stop sending. Idempotent.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    const error = new IceError("ERR_CLOSED", `the UdpMux on ${this.where()} was closed`);
    const bases = [...this.routes].map((r) => r.deref()).filter((b) => b !== undefined);
    this.routes.clear();
    this.byUfrag.clear();
    this.byRemote.clear();
    this.socket.off("message", this.onMessage);
    for (const base of bases) base.muxClosed(error);
    this.closing = this.socket.close();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ------------------------------------------------------------- internals

  /** @internal */
  send(data: Uint8Array, port: number, address: string, callback?: () => void): void {
    if (this.closing) {
      callback?.();
      return;
    }
    this.socket.send(data, port, address, callback);
  }

  /** @internal The route that sent a check to (or answered one from) `address:port` owns it now. */
  learn(base: MuxBase, address: string, port: number): void {
    const key = `${address}|${port}`;
    const ref = base.ref!;
    if (this.byRemote.get(key) === ref) return;
    this.byRemote.set(key, ref);
    base.remotes.add(key);
    if (base.remotes.size > MAX_REMOTES_PER_ROUTE) {
      const oldest = base.remotes.values().next().value as string;
      base.remotes.delete(oldest);
      if (this.byRemote.get(oldest) === ref) this.byRemote.delete(oldest);
    }
  }

  /** @internal Removes a route and the remote addresses it owns. */
  detach(base: MuxBase): void {
    const ref = base.ref!;
    this.finalizer.unregister(base);
    this.routes.delete(ref);
    if (this.byUfrag.get(base.ufrag) === ref) this.byUfrag.delete(base.ufrag);
    for (const key of base.remotes) if (this.byRemote.get(key) === ref) this.byRemote.delete(key);
    base.remotes.clear();
  }

  private route(data: Buffer, remote: RemoteInfo): void {
    let base: MuxBase | undefined;
    const ufrag = bindingRequestUfrag(data);
    if (ufrag !== undefined) base = this.byUfrag.get(ufrag)?.deref();
    base ??= this.byRemote.get(`${remote.address}|${remote.port}`)?.deref();
    if (!base) {
      this.counters.dropped++;
      if (log.enabled) log("no route for %d bytes from %s:%d", data.length, remote.address, remote.port);
      return;
    }
    this.counters.routed++;
    base.deliver(data, remote.address, remote.port);
  }

  private collected(ufrag: string, ref: WeakRef<MuxBase>): void {
    this.counters.leakedRoutes++;
    this.routes.delete(ref);
    if (this.byUfrag.get(ufrag) === ref) this.byUfrag.delete(ufrag);
    for (const [key, r] of this.byRemote) if (r === ref) this.byRemote.delete(key);
    log("route %s collected without close: removed", ufrag);
  }

  private where(): string {
    return this.family === 6 ? `[${this.address}]:${this.port}` : `${this.address}:${this.port}`;
  }
}

/** Whether `address` is the unspecified address of its family (a wildcard bind). */
function isWildcard(address: string): boolean {
  return address === "0.0.0.0" || /^[0:]+$/.test(address);
}

/** The addresses a mux announces: the bound one, or for a wildcard the given or interface addresses. */
function announced(options: UdpMuxOptions, family: number): string[] | undefined {
  if (!isWildcard(options.address)) {
    if (options.announce) {
      throw new IceError("ERR_OPTIONS", "UdpMux announce is for a wildcard address (0.0.0.0 or ::) only");
    }
    return undefined;
  }
  const list = options.announce
    ? [...new Set(options.announce)]
    : hostAddresses({ loopback: true, ipv4: family === 4, ipv6: family === 6 });
  const wrong = list.find((a) => isIP(a) !== family || isWildcard(a));
  if (wrong !== undefined || list.length === 0) {
    throw new IceError(
      "ERR_OPTIONS",
      wrong === undefined
        ? `UdpMux on ${options.address}: no IPv${family} interface address to announce`
        : `UdpMux on ${options.address}: cannot announce "${wrong}" (an IPv${family} host address is needed)`,
    );
  }
  return list;
}

/**
 * One agent generation's view of a {@link UdpMux}: the base of its host
 * candidate. Sending a Binding request or a success response teaches the
 * mux where this route's peer is; close() removes the route.
 */
export class MuxBase implements CandidateBase {
  readonly kind = "socket";
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
  onPacket: ((data: Uint8Array, address: string, port: number) => void) | undefined = undefined;
  /** @internal */
  ref: WeakRef<MuxBase> | undefined = undefined;
  /** @internal remote `address|port` keys this route owns, oldest first. */
  readonly remotes = new Set<string>();
  private mux: UdpMux | undefined;
  private onClosed: ((error: IceError) => void) | undefined;

  /** @internal */
  constructor(
    mux: UdpMux,
    readonly ufrag: string,
    onClosed: (error: IceError) => void,
  ) {
    this.mux = mux;
    this.address = mux.address;
    this.port = mux.port;
    this.family = mux.family;
    this.onClosed = onClosed;
  }

  get closed(): boolean {
    return this.mux === undefined;
  }

  send(data: Uint8Array, port: number, address: string): void {
    const mux = this.mux;
    if (!mux) return;
    // 0x0001 Binding request (our check), 0x0101 Binding success (we
    // authenticated the peer's check): the peer is at that address.
    if (data.length >= 20 && (data[0] === 0x00 || data[0] === 0x01) && data[1] === 0x01) {
      mux.learn(this, address, port);
    }
    mux.send(data, port, address);
  }

  /** @internal */
  deliver(data: Uint8Array, address: string, port: number): void {
    this.onPacket?.(data, address, port);
  }

  /** @internal The mux closed under this route. */
  muxClosed(error: IceError): void {
    this.mux = undefined;
    this.onPacket = undefined;
    this.remotes.clear();
    const onClosed = this.onClosed;
    this.onClosed = undefined;
    onClosed?.(error);
  }

  /** Removes the route; the shared socket stays open. Idempotent. */
  close(): Promise<void> {
    const mux = this.mux;
    this.mux = undefined;
    this.onPacket = undefined;
    this.onClosed = undefined;
    mux?.detach(this);
    return Promise.resolve();
  }
}
