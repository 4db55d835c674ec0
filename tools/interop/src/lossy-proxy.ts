/**
 * A UDP proxy for tests that drops, duplicates and reorders a share of the
 * datagrams passing through it, in both directions. Its sockets are opened
 * through the SocketRegistry passed in (so the leak check sees them); each
 * client address gets its own upstream socket, so the server sees one remote
 * per client. Reordering holds a datagram back until the next one in the same
 * direction has gone, so the proxy needs no timers.
 */

/** The part of a ManagedSocket the proxy uses. */
export interface ProxySocket {
  send(data: Uint8Array, port: number, address: string): void;
  on(event: "message", listener: (data: Buffer, remote: { address: string; port: number }) => void): unknown;
  address(): { address: string; port: number };
  close(): Promise<void>;
  readonly closed: boolean;
}

/** The part of a SocketRegistry the proxy uses (pass `SocketRegistry.default`). */
export interface ProxySocketOpener {
  open(owner: object, options: { label: string; address?: string; port?: number }): Promise<ProxySocket>;
}

/** Options of {@link startLossyProxy}. */
export interface LossyProxyOptions {
  registry: ProxySocketOpener;
  /** Where to forward (the server). */
  target: { address: string; port: number };
  /** Share of datagrams dropped, 0..1. */
  loss?: number;
  /** Share of datagrams sent twice. */
  duplicate?: number;
  /** Share of datagrams held back behind the next one. */
  reorder?: number;
  /** PRNG seed, for repeatable runs. */
  seed?: number;
}

/** Counters of a proxy. */
export interface LossyProxyStats {
  forwarded: number;
  dropped: number;
  duplicated: number;
  reordered: number;
}

/** A running proxy. */
export interface LossyProxy extends AsyncDisposable {
  /** The address clients send to. */
  readonly address: { address: string; port: number };
  readonly stats: LossyProxyStats;
  /** Changes the loss share (1 = the path goes dark: a vanished peer). */
  setLoss(loss: number): void;
  close(): Promise<void>;
}

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Starts a lossy proxy on 127.0.0.1 (ephemeral port) in front of `target`. */
export async function startLossyProxy(options: LossyProxyOptions): Promise<LossyProxy> {
  const random = prng(options.seed ?? 1);
  let loss = options.loss ?? 0;
  const dup = options.duplicate ?? 0;
  const reorder = options.reorder ?? 0;
  const stats: LossyProxyStats = { forwarded: 0, dropped: 0, duplicated: 0, reordered: 0 };
  const owner = {};
  const front = await options.registry.open(owner, { label: "lossy-proxy", address: "127.0.0.1", port: 0 });
  const upstreams = new Map<string, ProxySocket>();
  const opening = new Set<string>();
  const held = new Map<string, () => void>();
  let closed = false;

  /** Applies loss, duplication and reordering to one datagram on the path `key`. */
  const pass = (key: string, send: () => void) => {
    if (random() < loss) {
      stats.dropped++;
      return;
    }
    const out = () => {
      send();
      stats.forwarded++;
      if (random() < dup) {
        send();
        stats.duplicated++;
      }
    };
    const before = held.get(key);
    held.delete(key);
    if (!before && random() < reorder) {
      stats.reordered++;
      held.set(key, out);
      return;
    }
    out();
    before?.();
  };

  front.on("message", (data, remote) => {
    if (closed) return;
    const key = `${remote.address}:${remote.port}`;
    const up = upstreams.get(key);
    if (up) {
      pass(`→${key}`, () => !up.closed && up.send(data, options.target.port, options.target.address));
      return;
    }
    if (opening.has(key)) return; // its upstream socket is opening: counts as lost
    opening.add(key);
    void (async () => {
      const socket = await options.registry.open(owner, {
        label: "lossy-proxy-upstream",
        address: "127.0.0.1",
        port: 0,
      });
      opening.delete(key);
      if (closed) {
        await socket.close();
        return;
      }
      socket.on("message", (reply) => {
        if (closed) return;
        pass(`←${key}`, () => !front.closed && front.send(reply, remote.port, remote.address));
      });
      upstreams.set(key, socket);
      pass(`→${key}`, () => !socket.closed && socket.send(data, options.target.port, options.target.address));
    })();
  });

  const close = async () => {
    if (closed) return;
    closed = true;
    held.clear();
    await Promise.all([front.close(), ...[...upstreams.values()].map((s) => s.close())]);
    upstreams.clear();
  };
  return {
    address: front.address(),
    stats,
    setLoss: (l) => {
      loss = l;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
