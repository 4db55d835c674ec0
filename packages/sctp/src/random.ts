/**
 * CSPRNG bytes for the small random values of an association (Initiate Tag,
 * Initial TSN, heartbeat nonce, the cookie keys), drawn from a pool filled
 * 4 KiB at a time: one `randomBytes()` call costs microseconds whatever its
 * size (measured: 2.5 µs for 8 bytes, 4.6 µs for 4 KiB), and an
 * association's setup is on a data channel's open path. sctp knows no
 * transport (ARCHITECTURE.md), so it keeps this pool of its own rather than
 * @purertc/socket's `randomBytesPooled`. Bytes are handed out once and the
 * pool's slot is zeroed, so no value is given twice.
 */
import { randomFillSync } from "node:crypto";

const POOL_SIZE = 4096;
const pool = new Uint8Array(POOL_SIZE);
const view = new DataView(pool.buffer);
/** Next unread byte; POOL_SIZE = empty. */
let next = POOL_SIZE;

function take(n: number): number {
  if (next + n > POOL_SIZE) {
    randomFillSync(pool);
    next = 0;
  }
  const at = next;
  next += n;
  return at;
}

/** A random 32-bit unsigned integer from the CSPRNG. */
export function randomUint32(): number {
  const at = take(4);
  const v = view.getUint32(at);
  view.setUint32(at, 0);
  return v;
}

/** Fills `out` with CSPRNG bytes (at most the pool's size; larger fills go to the CSPRNG directly). */
export function randomFill(out: Uint8Array): Uint8Array {
  if (out.length > POOL_SIZE / 8) return randomFillSync(out);
  const at = take(out.length);
  out.set(pool.subarray(at, at + out.length));
  pool.fill(0, at, at + out.length);
  return out;
}
