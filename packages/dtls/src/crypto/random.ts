import { randomFillSync } from "node:crypto";

/**
 * Random bytes from a pool refilled from the CSPRNG 1 KiB at a time: a
 * handshake needs a few 32-byte randoms, and one system call per kilobyte is
 * much cheaper than one per value. Each byte is handed out once.
 */
const pool = new Uint8Array(1024);
let offset = pool.length;

/** `n` (at most 1024) fresh random bytes, copied out of the pool. */
export function randomBytesPooled(n: number): Uint8Array {
  if (n > pool.length) return randomFillSync(new Uint8Array(n));
  if (offset + n > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = pool.slice(offset, offset + n);
  pool.fill(0, offset, offset + n);
  offset += n;
  return out;
}
