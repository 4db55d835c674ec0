import { describe, expect, test } from "vitest";
import { allocPacket } from "./slab.js";

describe("packet slab", () => {
  test("views are zeroed, disjoint, aligned; large packets get their own buffer", () => {
    const seen: Uint8Array[] = [];
    // More than one slab's worth, so a fresh slab is started on the way.
    for (let i = 0; i < 200; i++) {
      const n = 1 + ((i * 397) % 1200);
      const b = allocPacket(n);
      expect(b.length).toBe(n);
      expect(b.byteOffset % 8).toBe(0);
      expect(b.every((x) => x === 0)).toBe(true);
      b.fill(0xff);
      seen.push(b);
    }
    // Writing every view whole left the others as written: no two overlap.
    for (const b of seen) expect(b.every((x) => x === 0xff)).toBe(true);
    const big = allocPacket(9000);
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(9000);
  });
});
