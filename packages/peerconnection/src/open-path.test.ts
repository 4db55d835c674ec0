import { defaultMlKemPool } from "@purertc/dtls";
import { describe, expect, it } from "vitest";
import { negotiate, trickle } from "./pair.test-helper.js";
import { PeerConnection } from "./peer-connection.js";

/** SCTP packets the association of `pc` has sent (its stats; the association is internal). */
function sctpPacketsSent(pc: PeerConnection): number {
  const sctp = pc.sctp as unknown as { association?: { stats: { packetsSent: number } } } | null;
  return sctp?.association?.stats.packetsSent ?? 0;
}

describe("the open path of a data channel", () => {
  it.each([["1.3"], ["1.2"]] as const)(
    "DTLS %s: the association is made in one exchange, not two crossing ones (at most 5 SCTP packets before open)",
    async (version) => {
      const config = { interfaces: "loopback" as const, dtlsVersions: [version] };
      await using a = new PeerConnection(config);
      await using b = new PeerConnection(config);
      trickle(a, b);
      const channel = a.createDataChannel("first");
      const opened = new Promise<[number, number]>((resolve) =>
        channel.addEventListener("open", () => resolve([sctpPacketsSent(a), sctpPacketsSent(b)])),
      );
      const message = new Promise<string>((resolve) =>
        b.addEventListener("datachannel", (e) =>
          e.channel.addEventListener("message", (m) => resolve(m.data as string)),
        ),
      );
      await negotiate(a, b);
      const [fromA, fromB] = await opened;
      // The end whose DTLS connects second answers the other's INIT and sends none of its own:
      // INIT, INIT-ACK, COOKIE-ECHO, COOKIE-ACK, and the DCEP OPEN (alone, or with the COOKIE-ACK
      // when the offerer answers). Crossing INITs took 7 (DTLS 1.3) or 8 (1.2) packets before open.
      expect(fromA).toBeLessThanOrEqual(3);
      expect(fromB).toBeLessThanOrEqual(2);
      expect(fromA + fromB).toBeLessThanOrEqual(5);
      channel.send("after the open");
      expect(await message).toBe("after the open");
    },
  );

  it("the DTLS client's ML-KEM key pair is made ahead, once its role is known, not at ClientHello time", async () => {
    const pool = defaultMlKemPool();
    pool.clear();
    const { onDemand } = pool.stats;
    await using a = new PeerConnection({ interfaces: "loopback" });
    await using b = new PeerConnection({ interfaces: "loopback" });
    // No candidates exchanged: the descriptions fix the roles (the answerer is the DTLS client),
    // nothing connects, and the pool fills on the turns that follow.
    await negotiate(a, b);
    const start = performance.now();
    while (pool.available < pool.size && performance.now() - start < 5000) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(pool.available).toBe(pool.size);
    // Then an open takes its pair from the pool: none made on demand.
    await using c = new PeerConnection({ interfaces: "loopback" });
    await using d = new PeerConnection({ interfaces: "loopback" });
    trickle(c, d);
    const channel = c.createDataChannel("pooled");
    const opened = new Promise((resolve) => channel.addEventListener("open", resolve));
    await negotiate(c, d);
    await opened;
    expect(pool.stats.onDemand).toBe(onDemand);
  });
});
