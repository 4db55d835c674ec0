import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, test } from "vitest";
import { DtlsCertificate, DtlsConnection, MlKemKeyPool } from "./index.js";
import { memoryPair } from "./memory-transport.test-helper.js";

const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Waits (bounded) until `pool` holds `n` pairs. */
async function filled(pool: MlKemKeyPool, n: number): Promise<void> {
  for (let i = 0; i < 200 && pool.available < n; i++) await immediate();
  expect(pool.available).toBe(n);
}

describe("MlKemKeyPool (ML-KEM-768 client key pairs made ahead, each used once)", () => {
  test("empty: a pair is made on demand; refillSoon fills to size on later turns, one pair a turn", async () => {
    const pool = new MlKemKeyPool(3);
    const first = pool.take();
    expect(pool.stats).toEqual({ pooled: 0, onDemand: 1, expired: 0 });
    pool.refillSoon();
    expect(pool.available).toBe(0); // nothing on this turn: the caller's I/O goes first
    await immediate();
    await immediate();
    expect(pool.available).toBeLessThanOrEqual(1);
    await filled(pool, 3);
    first.dispose();
    pool.clear();
  });

  test("every pair is handed out once: distinct keys, the pool shrinks, and each decapsulates its own ciphertext", async () => {
    const pool = new MlKemKeyPool(2);
    pool.refillSoon();
    await filled(pool, 2);
    const a = pool.take();
    const b = pool.take();
    expect(pool.available).toBe(0);
    expect(pool.stats.pooled).toBe(2);
    expect(hex(a.publicKey)).not.toBe(hex(b.publicKey));
    for (const pair of [a, b]) {
      const { cipherText, sharedSecret } = ml_kem768.encapsulate(pair.publicKey);
      expect(hex(pair.decapsulate(cipherText))).toBe(hex(sharedSecret));
      pair.dispose();
    }
    // The next one is made on demand, not one of those again.
    const c = pool.take();
    expect(pool.stats.onDemand).toBe(1);
    expect([hex(a.publicKey), hex(b.publicKey)]).not.toContain(hex(c.publicKey));
    c.dispose();
  });

  test("a disposed pair no longer decapsulates to the secret (its secret key is wiped)", async () => {
    const pool = new MlKemKeyPool(1);
    pool.refillSoon();
    await filled(pool, 1);
    const pair = pool.take();
    const { cipherText, sharedSecret } = ml_kem768.encapsulate(pair.publicKey);
    pair.dispose();
    let out: string | undefined;
    try {
      out = hex(pair.decapsulate(cipherText));
    } catch {
      out = undefined; // noble refuses a wiped key outright
    }
    expect(out).not.toBe(hex(sharedSecret));
  });

  test("pairs older than maxAgeMs are dropped, not used; clear() empties the pool", async () => {
    const pool = new MlKemKeyPool(2, 0);
    pool.refillSoon();
    await filled(pool, 2);
    await new Promise((r) => setImmediate(r));
    const pair = pool.take();
    expect(pool.stats).toEqual({ pooled: 0, onDemand: 1, expired: 2 });
    pair.dispose();
    const other = new MlKemKeyPool(1);
    other.refillSoon();
    await filled(other, 1);
    other.clear();
    expect(other.available).toBe(0);
  });

  test("refilling never keeps the process alive (its immediates are unref'd)", () => {
    const count = () => process.getActiveResourcesInfo().filter((r) => r === "Immediate").length;
    const before = count();
    const pool = new MlKemKeyPool(1);
    pool.refillSoon();
    expect(count()).toBe(before);
  });

  test("a hybrid handshake takes its client pair from the given pool and refills it afterwards; mlkemPool: false makes one", async () => {
    const [clientCert, serverCert] = [await DtlsCertificate.generate(), await DtlsCertificate.generate()];
    await withLeakCheck(async () => {
      const pool = new MlKemKeyPool(1);
      pool.refillSoon();
      await filled(pool, 1);
      for (const mlkemPool of [pool, false as const]) {
        const [a, b] = memoryPair();
        const client = new DtlsConnection(a, {
          role: "client",
          certificate: clientCert,
          peerFingerprint: serverCert.fingerprint,
          mlkemPool,
        });
        const server = new DtlsConnection(b, {
          role: "server",
          certificate: serverCert,
          peerFingerprint: clientCert.fingerprint,
        });
        await Promise.all([client.connect(), server.connect()]);
        expect(client.group).toBe("X25519MLKEM768");
        expect(client.exportKeyingMaterial("EXTRACTOR-dtls_srtp", 60)).toEqual(
          server.exportKeyingMaterial("EXTRACTOR-dtls_srtp", 60),
        );
        await client.close();
        await server.close();
      }
      expect(pool.stats).toEqual({ pooled: 1, onDemand: 0, expired: 0 });
      await filled(pool, 1); // refilled after the handshake, not by the one without a pool
      pool.clear();
    });
  });
});
