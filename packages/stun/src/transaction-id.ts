import { randomFillSync } from "node:crypto";

// Transaction ids come from a pool refilled from the CSPRNG, so that making a
// message does not cost a native call each time.
const pool = new Uint8Array(12 * 256);
let used = pool.length;

/** Writes 12 random bytes (a fresh transaction id, RFC 8489 §5) at `out[offset]`. */
export function writeTransactionId(out: Uint8Array, offset: number): void {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  out.set(pool.subarray(used, used + 12), offset);
  // Never hand out the same bytes twice.
  pool.fill(0, used, used + 12);
  used += 12;
}

/** A fresh random 96-bit transaction id. */
export function newTransactionId(): Uint8Array {
  const id = new Uint8Array(12);
  writeTransactionId(id, 0);
  return id;
}
