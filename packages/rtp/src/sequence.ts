/** Signed distance from `last` to `seq` on the 16-bit sequence number circle: positive when `seq` is newer. */
export function sequenceDelta(seq: number, last: number): number {
  return ((seq - last + 0x8000) & 0xffff) - 0x8000;
}

/**
 * A packet this far behind the last one is not late but a restarted source (RFC 3550 A.1 uses 100 for
 * misordering; a reconnected camera starts anywhere): receivers start over from it.
 */
export const RESTART_DISTANCE = 1000;
