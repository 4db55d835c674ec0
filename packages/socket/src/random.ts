import { randomFillSync } from "node:crypto";

/**
 * Random bytes from a pool refilled from the CSPRNG 4 KiB at a time. A
 * connection needs a dozen small random values (ICE credentials and
 * tie-breaker, SDP session id, SCTP tags, CNAME…); one `randomBytes` call
 * each cost ~1.6 % of a data-channel open in `randomFillSync` overhead.
 * Each byte is handed out once and wiped from the pool.
 */
const POOL_SIZE = 4096;
const pool = new Uint8Array(POOL_SIZE);
let offset = POOL_SIZE;

/**
 * `n` fresh random bytes (from the pool up to 256, straight from the CSPRNG
 * above), copied out into a Buffer: never a view into the random pool.
 * @throws RangeError if `n` is not a non-negative integer
 */
export function randomBytesPooled(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`randomBytesPooled: bad length ${n}`);
  const out = Buffer.allocUnsafe(n);
  if (n > 256) return randomFillSync(out);
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  out.set(pool.subarray(offset, offset + n));
  pool.fill(0, offset, offset + n);
  offset += n;
  return out;
}
