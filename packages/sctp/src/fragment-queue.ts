/**
 * DATA fragments held by the receiver until their message is whole and its
 * turn has come: a ring buffer kept sorted by a key, growing by doubling.
 * Fragments mostly arrive in key order, so an insert is an append and a
 * delivery takes fragments off the front: no Map entry, array or object per
 * message (a Map of per-message assemblies cost a third of the receiver's
 * time with 1 KiB messages, most of them cut in two to fill packets).
 */
import type { DataChunk } from "./packet/data.js";

/** Sort order of a queue: true when `a` goes before `b`. */
export type FragmentOrder = (a: DataChunk, b: DataChunk) => boolean;

const INITIAL_CAPACITY = 8;

export class FragmentQueue {
  private slots: (DataChunk | undefined)[];
  private mask: number;
  private first = 0;
  /** Fragments held. */
  size = 0;

  constructor(private readonly before: FragmentOrder) {
    this.slots = new Array<DataChunk | undefined>(INITIAL_CAPACITY).fill(undefined);
    this.mask = INITIAL_CAPACITY - 1;
  }

  /** The fragment at position `i` (0 ≤ i < size). */
  at(i: number): DataChunk {
    return this.slots[(this.first + i) & this.mask]!;
  }

  /** Inserts `c` after every fragment that does not go after it; returns its position. */
  insert(c: DataChunk): number {
    if (this.size === this.slots.length) this.grow();
    let i = this.size;
    // Usually the last (fragments arrive in order); else a binary search.
    if (i > 0 && this.before(c, this.at(i - 1))) {
      let lo = 0;
      let hi = i - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.before(c, this.at(mid))) hi = mid;
        else lo = mid + 1;
      }
      i = lo;
      const s = this.slots;
      const m = this.mask;
      for (let k = this.size; k > i; k--) s[(this.first + k) & m] = s[(this.first + k - 1) & m];
    }
    this.slots[(this.first + i) & this.mask] = c;
    this.size++;
    return i;
  }

  /** Removes `n` fragments from position `i`. */
  remove(i: number, n: number): void {
    const s = this.slots;
    const m = this.mask;
    if (i === 0) {
      for (let k = 0; k < n; k++) s[(this.first + k) & m] = undefined;
      this.first = (this.first + n) & m;
    } else {
      for (let k = i; k + n < this.size; k++) s[(this.first + k) & m] = s[(this.first + k + n) & m];
      for (let k = this.size - n; k < this.size; k++) s[(this.first + k) & m] = undefined;
    }
    this.size -= n;
    if (this.size === 0) this.first = 0;
  }

  /** Removes every fragment `drop` says; returns the window bytes they held (user data + `overhead` each). */
  removeWhere(drop: (c: DataChunk) => boolean, overhead: number): number {
    let kept = 0;
    let freed = 0;
    for (let k = 0; k < this.size; k++) {
      const c = this.at(k);
      if (drop(c)) freed += c.userData.length + overhead;
      else this.slots[(this.first + kept++) & this.mask] = c;
    }
    for (let k = kept; k < this.size; k++) this.slots[(this.first + k) & this.mask] = undefined;
    this.size = kept;
    if (kept === 0) this.first = 0;
    return freed;
  }

  /** Copies the user data of the `n` fragments from position `i` into one new array of `bytes` bytes. */
  join(i: number, n: number, bytes: number): Uint8Array {
    if (n === 1) return this.at(i).userData.slice();
    const out = new Uint8Array(bytes);
    let o = 0;
    for (let k = i; k < i + n; k++) {
      const d = this.at(k).userData;
      out.set(d, o);
      o += d.length;
    }
    return out;
  }

  private grow(): void {
    const n = this.slots.length;
    const next = new Array<DataChunk | undefined>(n * 2).fill(undefined);
    for (let k = 0; k < this.size; k++) next[k] = this.at(k);
    this.slots = next;
    this.mask = n * 2 - 1;
    this.first = 0;
  }
}
