// One mDNS socket per registry and (family, group, port, interface), shared by
// leases: the first user opens it, the last release closes it.
import { SocketRegistry } from "@purertc/socket";
import { MdnsError } from "./errors.js";
import { SharedMdnsSocket } from "./shared-socket.js";
import { type MdnsSocketOptions, resolveOptions } from "./socket-options.js";

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
