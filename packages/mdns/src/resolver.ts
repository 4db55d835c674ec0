import type { RemoteInfo } from "node:dgram";
import { Closer, createDebug, whenAborted } from "@purertc/socket";
import { AddressCache } from "./cache.js";
import { MdnsError } from "./errors.js";
import { checkMdnsName } from "./names.js";
import { addressRecords } from "./records.js";
import type { MdnsPacket, MdnsPacketHandler, MdnsSocketStats } from "./shared-socket.js";
import type { MdnsSocketOptions } from "./socket-options.js";
import { acquireMdnsSocket, type MdnsSocketLease } from "./socket-pool.js";

const log = createDebug("purertc:mdns");

/** Default resolve timeout, ms. */
export const DEFAULT_RESOLVE_TIMEOUT_MS = 5000;
/** RFC 6762 §5.2: at least one second between the first two queries… */
const FIRST_RETRY_MS = 1000;
/** …then at least doubling, up to once an hour. */
const MAX_RETRY_MS = 3_600_000;

/** Options of {@link MdnsResolver.resolve}. */
export interface ResolveOptions {
  /** Aborts this resolve (rejects with `ERR_ABORTED`); other resolves of the name go on. */
  signal?: AbortSignal;
  /** Give up after this many ms (rejects with `ERR_TIMEOUT`). Default 5000. */
  timeout?: number;
  /**
   * 4: A records only; 6: AAAA only; 0: both, resolving with whichever
   * answers first (A and AAAA are asked in separate queries: Chromium
   * answers one question type per query). Default 0.
   */
  family?: 0 | 4 | 6;
}

/** Options of {@link MdnsResolver.open}. */
export interface MdnsResolverOptions extends MdnsSocketOptions {}

/** Counters of a resolver. */
export interface MdnsResolverStats {
  /** Queries sent, retransmissions included. */
  queriesSent: number;
  /** Resolves answered from the cache without a query. */
  cacheHits: number;
  /** Counters of the shared socket. */
  socket: Readonly<MdnsSocketStats>;
}

interface Waiter {
  family: 0 | 4 | 6;
  name: string;
  settle(addresses: string[] | MdnsError): void;
}

/** One outstanding query for one name and record type, shared by every resolve of it. */
interface Query {
  name: string;
  family: 4 | 6;
  /** Its retransmission timer; closed when nobody waits any more or the resolver closes. */
  closer: Closer;
  waiters: Set<Waiter>;
}

/**
 * mDNS resolver for `.local` host names (RFC 6762 §5): asks A and AAAA as
 * separate one-question queries, retransmits on the §5.2 schedule (now, 1 s,
 * 2 s, 4 s, …) until answered or no caller waits any more, caches answers for
 * their TTL, and lets concurrent resolves of one name share one query.
 *
 * ```ts
 * await using resolver = await MdnsResolver.open();
 * const [address] = await resolver.resolve("1f0c…-….local", { timeout: 3000 });
 * ```
 */
export class MdnsResolver implements AsyncDisposable {
  /**
   * Every query and resolve in flight hangs off this root: Closers, not
   * AbortControllers (three per resolve cost a signal, listeners and a
   * DOMException each).
   */
  private readonly root = new Closer();
  private readonly queries = new Map<string, Query>();
  private readonly cache = new AddressCache();
  private readonly counters = { queriesSent: 0, cacheHits: 0 };
  private closing: Promise<void> | undefined;
  private readonly handler: MdnsPacketHandler = {
    onResponse: (packet, remote) => this.onResponse(packet, remote),
  };

  private constructor(private readonly lease: MdnsSocketLease) {
    lease.socket.subscribe(this.handler);
  }

  /**
   * Opens a resolver on the process's shared mDNS socket.
   * @throws MdnsError `ERR_SOCKET` if the socket cannot be opened, `ERR_ABORTED`.
   */
  static async open(options: MdnsResolverOptions = {}): Promise<MdnsResolver> {
    return new MdnsResolver(await acquireMdnsSocket(options));
  }

  /** True once {@link MdnsResolver.close} was called. */
  get closed(): boolean {
    return this.root.closed;
  }

  /** Counters (a snapshot). */
  get stats(): MdnsResolverStats {
    return { ...this.counters, socket: { ...this.lease.socket.stats } };
  }

  /** The local address of the shared socket. */
  address(): import("node:net").AddressInfo {
    return this.lease.socket.address();
  }

  /** Number of queries in flight (one per name and record type). */
  get pendingQueries(): number {
    return this.queries.size;
  }

  /**
   * Resolves a `.local` name to its addresses (at least one).
   * @throws MdnsError `ERR_INVALID_NAME`, `ERR_TIMEOUT`, `ERR_ABORTED`, `ERR_CLOSED`.
   */
  resolve(name: string, options: ResolveOptions = {}): Promise<string[]> {
    if (this.closed) return Promise.reject(new MdnsError("ERR_CLOSED", "the mDNS resolver is closed"));
    let normalized: string;
    try {
      normalized = checkMdnsName(name);
    } catch (error) {
      return Promise.reject(error);
    }
    const family = options.family ?? 0;
    const timeout = options.timeout ?? DEFAULT_RESOLVE_TIMEOUT_MS;
    if ((family !== 0 && family !== 4 && family !== 6) || !(timeout >= 0)) {
      return Promise.reject(
        new MdnsError("ERR_INVALID_NAME", "bad resolve options (family 0|4|6, timeout ≥ 0)"),
      );
    }
    const cached = this.cache.lookup(normalized, family);
    if (cached.length > 0) {
      this.counters.cacheHits++;
      return Promise.resolve(cached);
    }
    if (options.signal?.aborted) {
      return Promise.reject(new MdnsError("ERR_ABORTED", `resolve of ${normalized} aborted`));
    }
    return new Promise<string[]>((resolve, reject) => {
      const closer = new Closer(this.root);
      const families: (4 | 6)[] = family === 0 ? [4, 6] : [family];
      const joined: Query[] = [];
      let settled = false;
      const waiter: Waiter = {
        family,
        name: normalized,
        settle: (result) => {
          if (settled) return;
          settled = true;
          closer.close();
          for (const query of joined) this.leave(query, waiter);
          if (result instanceof MdnsError) reject(result);
          else resolve(result);
        },
      };
      // Everything this resolve started hangs off `closer`: settling closes
      // it, which clears the timer and the listener on the caller's signal at
      // once; the resolver closing closes it first (ERR_CLOSED).
      closer.add(() => waiter.settle(new MdnsError("ERR_CLOSED", "the mDNS resolver is closed")));
      if (options.signal) {
        closer.add(
          whenAborted(options.signal, () =>
            waiter.settle(new MdnsError("ERR_ABORTED", `resolve of ${normalized} aborted`)),
          ),
        );
      }
      closer.timer(
        () =>
          waiter.settle(
            new MdnsError("ERR_TIMEOUT", `no mDNS answer for ${normalized} within ${timeout} ms`),
          ),
        timeout,
      );
      for (const f of families) joined.push(this.join(normalized, f, waiter));
    });
  }

  /**
   * Stops every query and rejects every pending resolve with `ERR_CLOSED`,
   * clears the cache, and releases the shared socket. Idempotent.
   */
  close(): Promise<void> {
    if (!this.closing) this.closing = this.doClose();
    return this.closing;
  }

  /** Same as {@link MdnsResolver.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async doClose(): Promise<void> {
    this.lease.socket.unsubscribe(this.handler);
    // Closing the root settles every waiter (ERR_CLOSED) and stops every
    // query's retransmission timer.
    this.root.close();
    this.queries.clear();
    this.cache.clear();
    await this.lease.release();
  }

  private join(name: string, family: 4 | 6, waiter: Waiter): Query {
    const key = `${family}|${name}`;
    let query = this.queries.get(key);
    if (!query) {
      query = { name, family, closer: new Closer(this.root), waiters: new Set() };
      this.queries.set(key, query);
      this.transmit(query, 0);
    }
    query.waiters.add(waiter);
    return query;
  }

  private leave(query: Query, waiter: Waiter): void {
    query.waiters.delete(waiter);
    if (query.waiters.size > 0) return;
    // Nobody waits: stop this query's timers now.
    query.closer.close();
    const key = `${query.family}|${query.name}`;
    if (this.queries.get(key) === query) this.queries.delete(key);
  }

  /** Sends the query and schedules the next one, RFC 6762 §5.2. */
  private transmit(query: Query, previousInterval: number): void {
    if (query.closer.closed) return;
    this.counters.queriesSent++;
    void this.lease.socket.query([
      { name: query.name, type: query.family === 4 ? "A" : "AAAA", class: "IN" },
    ]);
    const next = previousInterval === 0 ? FIRST_RETRY_MS : Math.min(previousInterval * 2, MAX_RETRY_MS);
    query.closer.timer(() => this.transmit(query, next), next);
  }

  private onResponse(packet: MdnsPacket, remote: RemoteInfo): void {
    if (this.closed) return;
    // RFC 6762 §6: responses not from the mDNS port are ignored.
    if (remote.port !== this.lease.socket.group.port) return;
    const answered = new Set<string>();
    for (const record of addressRecords(packet)) {
      const key = `${record.family}|${record.name}`;
      // Only names we ask for (or already hold) are cached, the other
      // family's records of them too (RFC 6762 §6.2 additionals):
      // unsolicited traffic cannot grow the cache.
      const wanted =
        this.queries.has(`4|${record.name}`) ||
        this.queries.has(`6|${record.name}`) ||
        this.cache.has(record.name, 4) ||
        this.cache.has(record.name, 6);
      if (!wanted) continue;
      this.cache.put(record, performance.now());
      if (record.ttl > 0) answered.add(key);
    }
    for (const key of answered) {
      const query = this.queries.get(key);
      if (!query) continue;
      for (const waiter of [...query.waiters]) {
        const addresses = this.cache.lookup(waiter.name, waiter.family);
        if (addresses.length > 0) {
          log("resolved %s → %s", waiter.name, addresses.join(", "));
          waiter.settle(addresses);
        }
      }
    }
  }
}
