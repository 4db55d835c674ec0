import { IceError } from "../errors.js";

/**
 * RFC 4571 framing, as ICE over TCP uses it (RFC 6544 §3): every STUN
 * message and every datagram of the layers above (DTLS) goes on the stream
 * as a 16-bit big-endian length, then that many bytes.
 */

/** Largest payload one frame carries (the 16-bit length). */
export const MAX_FRAME = 0xffff;

/**
 * One frame: the length prefix and `data`.
 * @throws IceError `ERR_STATE` for a payload over {@link MAX_FRAME} bytes.
 */
export function encodeFrame(data: Uint8Array): Buffer {
  if (data.byteLength > MAX_FRAME) {
    throw new IceError(
      "ERR_STATE",
      `RFC 4571: a ${data.byteLength}-byte datagram does not fit a frame (max ${MAX_FRAME})`,
    );
  }
  const out = Buffer.allocUnsafe(2 + data.byteLength);
  out[0] = data.byteLength >>> 8;
  out[1] = data.byteLength & 0xff;
  out.set(data, 2);
  return out;
}

/**
 * Splits a TCP byte stream back into frames. Memory is bounded by
 * construction: at most one partial frame (≤ 65535 bytes, allocated once its
 * length is known) is held, whatever the stream says; complete frames inside
 * one chunk are handed out as views, without a copy. Empty frames carry
 * nothing and are skipped.
 */
export class FrameDecoder {
  /** First byte of a length split across chunks, or -1. */
  private half = -1;
  /** The frame being filled, or undefined between frames. */
  private partial: Uint8Array | undefined = undefined;
  private filled = 0;

  /** Bytes held for a frame not yet complete (length prefix included). */
  get buffered(): number {
    return (this.half >= 0 ? 1 : 0) + (this.partial ? 2 + this.filled : 0);
  }

  /** Feeds a chunk of the stream; `onFrame` gets each complete frame, in order. */
  push(chunk: Uint8Array, onFrame: (frame: Uint8Array) => void): void {
    let at = 0;
    const end = chunk.length;
    while (at < end) {
      const partial = this.partial;
      if (partial) {
        const take = Math.min(partial.length - this.filled, end - at);
        partial.set(chunk.subarray(at, at + take), this.filled);
        this.filled += take;
        at += take;
        if (this.filled === partial.length) {
          this.partial = undefined;
          this.filled = 0;
          onFrame(partial);
        }
        continue;
      }
      let length: number;
      if (this.half >= 0) {
        length = (this.half << 8) | chunk[at]!;
        this.half = -1;
        at += 1;
      } else if (end - at >= 2) {
        length = (chunk[at]! << 8) | chunk[at + 1]!;
        at += 2;
      } else {
        this.half = chunk[at]!;
        at += 1;
        continue;
      }
      if (length === 0) continue;
      if (end - at >= length) {
        onFrame(chunk.subarray(at, at + length));
        at += length;
      } else {
        this.partial = new Uint8Array(length);
      }
    }
  }

  /** Forgets any partial frame. */
  reset(): void {
    this.half = -1;
    this.partial = undefined;
    this.filled = 0;
  }
}
