import { once } from "node:events";
import { MessageChannel } from "node:worker_threads";
import type { ManagedSocket } from "../managed-socket.js";
import { SocketRegistry } from "../registry.js";

/** Options of {@link floodUdp}. */
export interface FloodOptions {
  /** Where every datagram goes (a listening object under test, on loopback). */
  target: { address: string; port: number };
  /** Datagrams to send in all. */
  count: number;
  /** The i-th datagram (0-based); its source socket is `i % sources`. */
  datagram: (i: number) => Uint8Array;
  /**
   * Datagrams the target has read so far, by its own counters: the sender
   * keeps at most `window` datagrams ahead of it, so the flood measures the
   * object, not the kernel's buffer overflowing.
   */
  delivered: () => number;
  /** Source sockets (distinct source ports). Default 16. */
  sources?: number;
  /** Most datagrams sent and not yet read. Default 128 (about what the default 208 KiB receive buffer holds of small datagrams). */
  window?: number;
  /**
   * Started once a quarter of the flood is sent (the legitimate peer's
   * handshake or transaction); awaited before {@link floodUdp} returns, its
   * rejection rethrown.
   */
  during?: () => Promise<void>;
  /** Overall bound, ms: the flood stops there (the result says how far it got). Default 60000. */
  timeoutMs?: number;
  /** Registry of the source sockets. Default {@link SocketRegistry.default}. */
  registry?: SocketRegistry;
}

/** What {@link floodUdp} did. */
export interface FloodResult {
  /** Datagrams sent. */
  sent: number;
  /** Growth of `delivered()` over the flood (the legitimate peer's datagrams included). */
  delivered: number;
  /** Sent datagrams the target never read (the kernel dropped them): `sent` less what `delivered()` grew by, at least 0. */
  lost: number;
  /** Wall time of the flood, ms. */
  ms: number;
  /** How many datagrams had been sent when `during` settled (undefined without `during`). */
  duringSettledAt: number | undefined;
}

/**
 * Sends `count` hostile datagrams to a listening object over real loopback
 * sockets (through the registry, closed before it returns), paced by the
 * object's own read counter, while `during` (a legitimate peer) runs.
 *
 * The sender waits for the event loop with a MessageChannel turn, not a
 * timer: the leak helper's timer tracker records every timer test code
 * makes, and thousands of waits would show up as heap growth.
 */
export async function floodUdp(options: FloodOptions): Promise<FloodResult> {
  const registry = options.registry ?? SocketRegistry.default;
  const window = options.window ?? 128;
  const deadline = performance.now() + (options.timeoutMs ?? 60_000);
  const family = options.target.address.includes(":") ? "udp6" : "udp4";
  // The registry holds owners weakly: the owner is what the sockets are reached through.
  const owner: { sockets: ManagedSocket[] } = { sockets: [] };
  const sockets = owner.sockets;
  const channel = new MessageChannel();
  const turn = async () => {
    channel.port2.postMessage(0);
    await once(channel.port1, "message");
  };
  let duringState: { done: boolean; error?: unknown; at?: number } | undefined;
  let duringPromise: Promise<void> | undefined;
  const t0 = performance.now();
  const d0 = options.delivered();
  let sent = 0;
  // Sent datagrams written off for pacing: not read 250 ms after the last progress.
  let lost = 0;
  try {
    for (let i = 0; i < (options.sources ?? 16); i++) {
      sockets.push(await registry.open(owner, { label: "test-flood", type: family }));
    }
    let lastProgress = performance.now();
    let lastDelivered = d0;
    while (sent < options.count && performance.now() < deadline) {
      if (options.during && !duringPromise && sent >= options.count / 4) {
        const state: { done: boolean; error?: unknown; at?: number } = { done: false };
        duringState = state;
        duringPromise = options.during().then(
          () => {
            state.done = true;
            state.at = sent;
          },
          (error: unknown) => {
            state.done = true;
            state.at = sent;
            state.error = error;
          },
        );
      }
      const delivered = options.delivered();
      if (delivered !== lastDelivered) {
        lastDelivered = delivered;
        lastProgress = performance.now();
      }
      const ahead = sent - lost - (delivered - d0);
      if (ahead < window) {
        const n = Math.min(window - Math.max(0, ahead), options.count - sent, 64);
        for (let k = 0; k < n; k++, sent++) {
          const socket = sockets[sent % sockets.length]!;
          socket.send(options.datagram(sent), options.target.port, options.target.address);
        }
      } else if (performance.now() - lastProgress > 250) {
        // Nothing read for a while: what is in flight was dropped (a full buffer). Count it, go on.
        lost += ahead;
        lastProgress = performance.now();
      }
      await turn();
    }
    // Let the target read what is still in flight, written-off datagrams included: on a
    // starved machine they were late, not lost. Bounded: 1 s without progress, 10 s in all.
    const settle = performance.now() + 10_000;
    let last = options.delivered();
    let progressAt = performance.now();
    while (sent - (options.delivered() - d0) > 0) {
      const now = performance.now();
      if (options.delivered() !== last) {
        last = options.delivered();
        progressAt = now;
      }
      if (now > settle || now - progressAt > 1000) break;
      await turn();
    }
    if (duringPromise) await duringPromise;
  } finally {
    channel.port1.close();
    channel.port2.close();
    await Promise.all(owner.sockets.map((s) => s.close()));
  }
  if (duringState?.error !== undefined) throw duringState.error;
  return {
    sent,
    delivered: options.delivered() - d0,
    lost: Math.max(0, sent - (options.delivered() - d0)),
    ms: performance.now() - t0,
    duringSettledAt: duringState?.at,
  };
}

/**
 * A small seeded PRNG (xorshift32) for reproducible hostile input: the same
 * seed gives the same flood, so a failure can be replayed.
 */
export function seededRandom(seed: number): {
  next(): number;
  int(max: number): number;
  bytes(n: number): Uint8Array;
} {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
  const int = (max: number) => Math.floor(next() * max);
  return {
    next,
    int,
    bytes(n) {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = int(256);
      return out;
    },
  };
}

/**
 * A mutation of `valid`: a few random bytes flipped, a truncation, or a
 * random tail appended, as fuzzers mutate captured packets.
 */
export function mutate(valid: Uint8Array, random: ReturnType<typeof seededRandom>): Uint8Array {
  const kind = random.int(3);
  if (kind === 0) {
    const out = Uint8Array.from(valid);
    const flips = 1 + random.int(4);
    for (let i = 0; i < flips; i++) {
      const at = random.int(out.length);
      out[at] = out[at]! ^ (1 << random.int(8));
    }
    return out;
  }
  if (kind === 1) return valid.subarray(0, random.int(valid.length));
  const out = new Uint8Array(valid.length + 1 + random.int(32));
  out.set(valid);
  out.set(random.bytes(out.length - valid.length), valid.length);
  return out;
}

/** Heap used after forced GC (tests run with --expose-gc), bytes. */
export async function settledHeap(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("settledHeap needs --expose-gc");
  const channel = new MessageChannel();
  try {
    for (let i = 0; i < 4; i++) {
      gc();
      channel.port2.postMessage(0);
      await once(channel.port1, "message");
    }
  } finally {
    channel.port1.close();
    channel.port2.close();
  }
  return process.memoryUsage().heapUsed;
}
