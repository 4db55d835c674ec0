/** Signed distance from `last` to `seq` on the 16-bit sequence number circle: positive when `seq` is newer. */
export function sequenceDelta(seq: number, last: number): number {
  return ((seq - last + 0x8000) & 0xffff) - 0x8000;
}
