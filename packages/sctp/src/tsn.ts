/** Serial number arithmetic (RFC 1982) for 32-bit TSNs and 16-bit SSNs (RFC 9260 §1.6). */

/** a < b in TSN space. */
export function tsnLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** a <= b in TSN space. */
export function tsnLte(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

/** b - a as a signed distance (meaningful within 2^31). */
export function tsnDiff(b: number, a: number): number {
  return (b - a) | 0;
}

/** a + n modulo 2^32. */
export function tsnAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** a < b in 16-bit SSN space. */
export function ssnLt(a: number, b: number): boolean {
  return ((a - b) << 16) >> 16 < 0;
}

/** a + 1 modulo 2^16. */
export function ssnNext(a: number): number {
  return (a + 1) & 0xffff;
}
