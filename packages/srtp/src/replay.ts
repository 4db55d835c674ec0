import { SrtpError } from "./errors.js";

/** The smallest replay window RFC 3711 §3.3.2 allows. */
export const MIN_REPLAY_WINDOW = 64;
/**
 * Default replay window: 1,024 packets, as libwebrtc configures libsrtp, so that NACK retransmissions and
 * reordering on fast video streams are not refused as replays (RFC 3711's minimum of 64 is a fraction of a
 * second of 1080p video).
 */
export const DEFAULT_REPLAY_WINDOW = 1024;

/**
 * The sliding replay window of RFC 3711 §3.3.2 over one stream's packet indices (48-bit SRTP index or
 * 31-bit SRTCP index): a bitmap of the last `size` indices below the highest one received, kept in a ring
 * of 32-bit words. `check` before authentication (cheap refusal), `accept` only after it.
 */
export class ReplayWindow {
  readonly #bits: Int32Array;
  readonly #size: number;
  #top = -1;

  /** @param size - packets in the window, a multiple of 32, at least {@link MIN_REPLAY_WINDOW} */
  constructor(size: number = DEFAULT_REPLAY_WINDOW) {
    if (!Number.isInteger(size) || size < MIN_REPLAY_WINDOW || size % 32 !== 0 || size > 1 << 20) {
      throw new SrtpError(
        "ERR_INVALID_ARGUMENT",
        `replay window must be a multiple of 32 from 64 to 2^20, got ${size} (RFC 3711 §3.3.2)`,
      );
    }
    this.#size = size;
    this.#bits = new Int32Array(size / 32);
  }

  /** The highest index accepted so far (-1 before the first). */
  get highest(): number {
    return this.#top;
  }

  /** Whether `index` is new: above the highest, or inside the window and not seen. */
  check(index: number): boolean {
    const top = this.#top;
    if (index > top) return true;
    if (top - index >= this.#size) return false;
    const bit = index % this.#size;
    return (this.#bits[bit >>> 5]! & (1 << (bit & 31))) === 0;
  }

  /** Records `index` as received (call after authentication). */
  accept(index: number): void {
    const size = this.#size;
    const bits = this.#bits;
    const top = this.#top;
    if (index > top) {
      if (top < 0 || index - top >= size) bits.fill(0);
      else for (let i = top + 1; i < index; i++) clear(bits, i % size);
      this.#top = index;
    }
    const bit = index % size;
    bits[bit >>> 5]! |= 1 << (bit & 31);
  }
}

function clear(bits: Int32Array, bit: number): void {
  bits[bit >>> 5]! &= ~(1 << (bit & 31));
}
