/**
 * The weighted fair queueing stream scheduler of RFC 8260 §3.6, which RFC
 * 8831 §6.4 asks data channels to use with their priorities as weights.
 *
 * Start-time fair queueing: every stream with data waiting has a start tag in
 * virtual time; the one with the smallest tag sends next, and sending n bytes
 * moves its tag on by n / weight. Over any stretch where streams stay
 * backlogged, each gets bytes in proportion to its weight (to within one
 * fragment per stream), and no stream with a positive weight starves: its
 * tag only falls behind the others'. Equal weights and equal fragments give
 * plain round robin (ties go to the stream that waited longest).
 *
 * A binary heap of the streams with data waiting: O(log n) per fragment, so
 * thousands of channels cost a dozen comparisons.
 */

/** The weight a stream has until one is set: 256, the DCEP value of W3C "low" (the default priority, RFC 8831 §6.4). */
export const DEFAULT_STREAM_WEIGHT = 256;

/** What the scheduler keeps on each stream. */
export interface ScheduledStream {
  /** 1..65535: its share is proportional to this. */
  weight: number;
  /** Virtual time at which its next fragment starts (its start tag). */
  start: number;
  /** The busy period `start` belongs to (tags of an earlier one mean nothing). */
  epoch: number;
  /** Tie break among equal tags: the order of (re)scheduling, so equal tags go round robin. */
  order: number;
  /** Its index in the heap; -1 while it has nothing waiting. */
  slot: number;
}

function before(a: ScheduledStream, b: ScheduledStream): boolean {
  return a.start < b.start || (a.start === b.start && a.order < b.order);
}

/** Streams with data waiting, smallest start tag first. */
export class StreamScheduler<S extends ScheduledStream> {
  private heap: S[] = [];
  /** Start tag of the fragment last begun: where a stream that gets data joins. */
  private virtualTime = 0;
  /** Counts busy periods: when nothing waits, virtual time starts again at 0. */
  private epoch = 1;
  private order = 0;

  /** Streams with data waiting. */
  get size(): number {
    return this.heap.length;
  }

  /** The stream that sends next, if any. */
  get next(): S | undefined {
    return this.heap[0];
  }

  /**
   * A stream gets data: it joins at the current virtual time, or at its own
   * tag if that is later (a stream that just sent and refilled keeps the
   * debt of what it sent; it gains no credit for time idle).
   */
  join(s: S): void {
    if (s.epoch !== this.epoch || s.start < this.virtualTime) s.start = this.virtualTime;
    s.epoch = this.epoch;
    s.order = this.order++;
    s.slot = this.heap.length;
    this.heap.push(s);
    this.up(s.slot);
  }

  /** `s` begins a fragment (or, without interleaving, a message): virtual time moves to its tag. */
  begin(s: S): void {
    if (s.start > this.virtualTime) this.virtualTime = s.start;
  }

  /** `s` sent `bytes`: its next turn comes later by bytes / weight. Call {@link requeue} to reorder. */
  charge(s: S, bytes: number): void {
    s.start += bytes / s.weight;
  }

  /** `s` (still with data waiting) takes its place by its new tag, after streams of an equal tag. */
  requeue(s: S): void {
    s.order = this.order++;
    if (this.heap.length > 1) this.down(s.slot);
  }

  /** `s` has nothing left to send. */
  leave(s: S): void {
    const i = s.slot;
    if (i < 0) return;
    s.slot = -1;
    const last = this.heap.pop()!;
    if (last !== s) {
      this.heap[i] = last;
      last.slot = i;
      this.down(i);
      this.up(last.slot);
    }
    if (this.heap.length === 0) {
      // Idle: virtual time restarts, so it never grows without bound.
      this.epoch++;
      this.virtualTime = 0;
    }
  }

  /** Sets a stream's weight (1..65535); it applies from its next fragment. */
  setWeight(s: S, weight: number): void {
    s.weight = weight;
  }

  /** Forgets every stream (close). */
  clear(): void {
    for (const s of this.heap) s.slot = -1;
    this.heap = [];
    this.epoch++;
    this.virtualTime = 0;
  }

  private up(i: number): void {
    const h = this.heap;
    const s = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (!before(s, parent)) break;
      h[i] = parent;
      parent.slot = i;
      i = p;
    }
    h[i] = s;
    s.slot = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const s = h[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && before(h[c + 1]!, h[c]!)) c++;
      const child = h[c]!;
      if (!before(child, s)) break;
      h[i] = child;
      child.slot = i;
      i = c;
    }
    h[i] = s;
    s.slot = i;
  }
}
