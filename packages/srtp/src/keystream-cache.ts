import { type AesCmKeystream, xorKeystream } from "./aes-cm.js";

/** Packets of keystream made per cipher call. */
const BATCH = 8;
/** Streams with a batch kept (past it, all are dropped: a batch is cheap to remake). */
const MAX_SLOTS = 16;
/**
 * Payloads above this (beyond any Ethernet MTU) get their keystream alone: batching them would make every
 * later batch of the stream that wide.
 */
const MAX_STRIDE = 1536;

interface Slot {
  first: number;
  count: number;
  stride: number;
  /** Largest payload seen on this stream: the next batch's stride. */
  widest: number;
  keystream: Uint8Array;
}

/**
 * SRTP keystream made ahead for the next packet indices of each stream: a packet's keystream depends only
 * on (SSRC, index), and packets of a stream come in index order, so one cipher call makes the keystream of
 * the next {@link BATCH} packets at once. Measured (process CPU time, 1,188-byte payloads): the fixed cost of
 * a native cipher call is ~1.05 µs, so one call per packet costs ~1.6 µs of keystream, one call per 8
 * packets ~0.6 µs. A miss (loss, reordering, a larger packet) costs one more batch; a packet just behind the
 * batch (late reordering) is served on its own without dropping the batch. It is a memo of a deterministic
 * function: a hit gives the same bytes as computing afresh.
 */
export class KeystreamCache {
  readonly #slots = new Map<number, Slot>();

  constructor(
    readonly keystream: AesCmKeystream,
    readonly salt: Uint8Array,
  ) {}

  /** XORs `data[start, end)` with the keystream of packet `index` (48-bit) of stream `ssrc`. */
  xor(ssrc: number, index: number, data: Uint8Array, start: number, end: number): void {
    const length = end - start;
    if (length <= 0) return;
    if (length > MAX_STRIDE) {
      this.keystream.xor(this.salt, ssrc, Math.floor(index / 0x10000), index & 0xffff, data, start, end);
      return;
    }
    let slot = this.#slots.get(ssrc);
    if (slot !== undefined) {
      const p = index - slot.first;
      if (p >= 0 && p < slot.count && length <= slot.stride) {
        xorKeystream(data, start, slot.keystream, p * slot.stride, length);
        return;
      }
      if (p < 0 && p > -BATCH * 2) {
        this.keystream.xor(this.salt, ssrc, Math.floor(index / 0x10000), index & 0xffff, data, start, end);
        return;
      }
    }
    const widest = Math.max(length, slot?.widest ?? 0);
    const stride = (widest + 15) & ~15;
    const count = BATCH;
    const keystream = this.keystream.segments(this.salt, ssrc, index, count, stride);
    if (slot === undefined) {
      if (this.#slots.size >= MAX_SLOTS) this.clear();
      slot = { first: index, count, stride, widest, keystream };
      this.#slots.set(ssrc, slot);
    } else {
      slot.keystream.fill(0);
      slot.first = index;
      slot.count = count;
      slot.stride = stride;
      slot.widest = widest;
      slot.keystream = keystream;
    }
    xorKeystream(data, start, keystream, 0, length);
  }

  /** Zeroes and drops every batch. */
  clear(): void {
    for (const slot of this.#slots.values()) slot.keystream.fill(0);
    this.#slots.clear();
  }
}
