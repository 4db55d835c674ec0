import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { fileURLToPath } from "node:url";
import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, test } from "vitest";
import { subjectPublicKeyInfo } from "./certificate.js";
import { CertificatePool } from "./certificate-pool.js";

const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Waits (bounded: 5 s) until `pool` holds `n` certificates (one is made per event-loop turn). */
async function filled(pool: CertificatePool, n: number): Promise<void> {
  const start = performance.now();
  while (pool.available < n && performance.now() - start < 5000) await new Promise((r) => setTimeout(r, 1));
  expect(pool.available).toBe(n);
}

describe("CertificatePool (fresh ECDSA P-256 certificates made ahead, each handed out once)", () => {
  test("empty: one is made on demand; the pool then fills to its size on later turns, none on the taker's turn", async () => {
    const pool = new CertificatePool(3);
    const first = pool.take();
    expect(pool.stats).toEqual({ pooled: 0, onDemand: 1, expired: 0 });
    expect(pool.available).toBe(0); // nothing on this turn: the caller's I/O goes first
    await immediate();
    await immediate();
    expect(pool.available).toBeLessThanOrEqual(1);
    await filled(pool, 3);
    expect(new X509Certificate(first.der).checkPrivateKey(first.privateKey)).toBe(true);
    pool.clear();
    expect(pool.available).toBe(0);
  });

  test("never the same certificate twice: distinct keys and fingerprints, pooled then on demand", async () => {
    const pool = new CertificatePool(2);
    pool.refillSoon();
    await filled(pool, 2);
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const c = pool.take();
      seen.add(c.fingerprint);
      // The key as the certificate carries it (distinct public keys, distinct private keys): no export of a
      // freshly generated key object, which Node 20 can deadlock on (see self-signed.ts).
      seen.add(Buffer.from(subjectPublicKeyInfo(c.der)).toString("hex"));
    }
    expect(seen.size).toBe(12);
    expect(pool.stats.pooled).toBeGreaterThanOrEqual(2);
    expect(pool.stats.pooled + pool.stats.onDemand).toBe(6);
    pool.clear();
  });

  test("certificates past maxAgeMs are dropped, not handed out", async () => {
    const pool = new CertificatePool(2, 0);
    pool.refillSoon();
    await filled(pool, 2);
    const start = performance.now();
    while (performance.now() - start < 2); // older than 0 ms
    const c = pool.take();
    expect(pool.stats).toEqual({ pooled: 0, onDemand: 1, expired: 2 });
    expect(c.fingerprint).toMatch(/^sha-256 /);
    pool.clear();
  });

  test("taken from, refilled and cleared: no handle, timer, immediate or request is left", async () => {
    await withLeakCheck(async () => {
      const pool = new CertificatePool(2);
      pool.take();
      await filled(pool, 2);
      pool.take();
      pool.take();
      await filled(pool, 2);
      pool.clear();
      expect(pool.available).toBe(0);
    });
  });

  test("cleared while refilling: the refill stops, nothing is left, and nothing comes in later", async () => {
    await withLeakCheck(async () => {
      const pool = new CertificatePool(3);
      pool.take();
      await immediate();
      pool.clear(); // the first refill turn is under way
      for (let i = 0; i < 5; i++) await immediate();
      expect(pool.available).toBe(0);
    });
  });

  test("a refill in progress never keeps the process alive (unref'd turns)", () => {
    const entry = fileURLToPath(new URL("../dist/index.js", import.meta.url));
    const script = `import("${entry}").then(({ CertificatePool }) => { const p = new CertificatePool(50); p.take(); console.log("taken"); });`;
    const started = performance.now();
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { timeout: 20_000 });
    expect(run.status).toBe(0);
    expect(run.stdout.toString().trim()).toBe("taken");
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});
