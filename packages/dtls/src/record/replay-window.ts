/**
 * Anti-replay sliding window of RFC 6347 §4.1.2.6: records older than the
 * window or already seen are rejected. Call {@link ReplayWindow.check} before
 * authenticating a record and {@link ReplayWindow.accept} only after it
 * authenticated, so forged records cannot move the window.
 */
export class ReplayWindow {
  private max = -1;
  private readonly seen: Uint8Array;

  /** @param size window width in records (default 64, the RFC's minimum). */
  constructor(private readonly size = 64) {
    this.seen = new Uint8Array(size);
  }

  /** True if `seq` is new and inside the window. */
  check(seq: number): boolean {
    if (seq > this.max) return true;
    if (seq <= this.max - this.size) return false;
    return this.seen[seq % this.size] === 0;
  }

  /** Marks `seq` as received (after it authenticated). */
  accept(seq: number): void {
    if (seq > this.max) {
      // Clear the slots the window slides over; at most `size` of them.
      const from = Math.max(this.max + 1, seq - this.size + 1);
      for (let s = from; s < seq; s++) this.seen[s % this.size] = 0;
      this.max = seq;
    }
    this.seen[seq % this.size] = 1;
  }

  /** Highest sequence number accepted so far (-1 before any). */
  get highest(): number {
    return this.max;
  }
}
