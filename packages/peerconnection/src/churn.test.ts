import { expectBackToBaseline, forceGc, takeBaseline } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { connectedPair, nextDatagram } from "./pair.test-helper.js";
import type { PeerConnection } from "./peer-connection.js";

/** Cycles in CI; the bench runs 1,000+. */
const CYCLES = 100;

/** One cycle in its own frame, so no local of the test's frame keeps the last pair reachable. */
async function cycle(i: number, refs: WeakRef<PeerConnection>[]): Promise<void> {
  const [a, b] = await connectedPair();
  refs.push(new WeakRef(a), new WeakRef(b));
  const got = nextDatagram(b);
  a.sendDatagram(`cycle ${i}`);
  expect(await got).toBe(`cycle ${i}`);
  await a.close();
  await b.close();
}

describe("churn: the seed's bug as a test", () => {
  it(`${CYCLES} create → connect → exchange → close cycles leave nothing, and every PeerConnection is collected`, async () => {
    expect(await forceGc(), "tests run with --expose-gc").toBe(true);
    const baseline = await takeBaseline();
    const heapBefore = process.memoryUsage().heapUsed;
    const refs: WeakRef<PeerConnection>[] = [];
    for (let i = 0; i < CYCLES; i++) await cycle(i, refs);
    await expectBackToBaseline(baseline, { timeoutMs: 5000 });
    let alive = refs.length;
    for (let round = 0; round < 20 && alive > 0; round++) {
      await forceGc();
      alive = refs.filter((r) => r.deref() !== undefined).length;
    }
    expect(refs.flatMap((r, i) => (r.deref() ? [i] : []))).toEqual([]);
    const growth = process.memoryUsage().heapUsed - heapBefore;
    // Reported, not asserted: heap size is noisy; the WeakRefs above are the proof.
    console.log(`churn: ${CYCLES} cycles, heap growth after GC ${(growth / 1024).toFixed(0)} KiB`);
  });
});
