interface Pooled<T> {
  item: T;
  madeAt: number;
}

/** Items handed out by an {@link IdlePool}: from the pool, made on demand, dropped for age. */
export interface IdlePoolStats {
  pooled: number;
  onDemand: number;
  expired: number;
}

/**
 * A small pool of single-use items made ahead of need, on event-loop turns
 * after the I/O that was waiting: what the certificate pool and the ML-KEM
 * key pool share.
 *
 * Each item is handed out once ({@link IdlePool.take} removes it) and never
 * again; an item older than `maxAgeMs` is discarded rather than handed out; when
 * the pool is empty, {@link IdlePool.take} makes one on the spot.
 *
 * Bounds: at most `size` items. Refilling starts only when asked
 * ({@link IdlePool.refillSoon}), so an idle process does no work; it makes one
 * item per turn, each after a turn's I/O (datagrams already on their way are
 * handled first), on unref'd immediates that never keep the process alive.
 * {@link IdlePool.clear} discards what is pooled and stops a refill.
 */
export abstract class IdlePool<T> {
  private readonly items: Pooled<T>[] = [];
  /** The immediate of a refill under way (cancelled by clear()). */
  private pending: NodeJS.Immediate | undefined;
  /** Items taken from the pool, made on demand, dropped for age (tests, stats). */
  readonly stats: IdlePoolStats = { pooled: 0, onDemand: 0, expired: 0 };

  constructor(
    /** Most items held. */
    readonly size: number,
    /** Age past which a pooled item is discarded instead of handed out. */
    readonly maxAgeMs: number,
  ) {}

  /** Makes one item (for the pool, or on demand when it is empty). */
  protected abstract make(): T;

  /** Disposes of an item never handed out (expired or cleared): each pool says what that takes. */
  protected abstract discard(item: T): void;

  /** Items ready. */
  get available(): number {
    return this.items.length;
  }

  /** An item for one use: a pooled one if fresh, else one made now. Does not refill by itself. */
  take(): T {
    const now = performance.now();
    for (let p = this.items.shift(); p; p = this.items.shift()) {
      if (now - p.madeAt <= this.maxAgeMs) {
        this.stats.pooled++;
        return p.item;
      }
      this.stats.expired++;
      this.discard(p.item);
    }
    this.stats.onDemand++;
    return this.make();
  }

  /** Refills the pool on later event-loop turns, one item per turn, each after a turn's I/O. */
  refillSoon(): void {
    if (this.pending || this.items.length >= this.size) return;
    this.pending = setImmediate(this.afterIo).unref();
  }

  /** One loop turn later: the poll phase in between has delivered what was pending. */
  private readonly afterIo = (): void => {
    this.pending = setImmediate(this.refillOne).unref();
  };

  private readonly refillOne = (): void => {
    this.pending = undefined;
    if (this.items.length >= this.size) return;
    let item: T;
    try {
      item = this.make();
    } catch {
      return; // the next take makes one on demand (and throws there, to its caller)
    }
    this.items.push({ item, madeAt: performance.now() });
    this.refillSoon();
  };

  /** Discards the pooled items and stops a refill under way (the next take makes one on demand). */
  clear(): void {
    if (this.pending) clearImmediate(this.pending);
    this.pending = undefined;
    for (const p of this.items) this.discard(p.item);
    this.items.length = 0;
  }
}
