import { floodUdp, mutate, seededRandom, settledHeap, withLeakCheck } from "@purertc/socket/testing";
import { StunKey } from "@purertc/stun";
import { describe, expect, it } from "vitest";
import { IceAgent, UdpMux } from "../index.js";
import { buildCheck } from "../stun-io.js";
import { nextDatagram, signal, text, untext } from "../test/pair.test-helper.js";

/**
 * Flood: hostile datagrams at one UdpMux over real loopback sockets from 64
 * source ports (checks with a known ufrag and a wrong key, unknown ufrags,
 * mutated checks, random bytes, data from nobody's address), while a real
 * peer connects to an agent on the mux and exchanges data. 10,000 by default
 * (CI, a shared 2-core machine); `FLOOD_COUNT=100000` for the full flood of
 * issue 15. Paced by the mux's own counters (routed + dropped).
 */
const COUNT = Number(process.env.FLOOD_COUNT ?? 10_000);
const loopback = { loopback: "only", ipv6: false } as const;

describe("UdpMux under a flood of hostile datagrams", () => {
  it(`routes or drops ${COUNT} of them with flat memory, learns no address from them, and still connects a real peer`, async () => {
    await withLeakCheck(async () => {
      const mux = await UdpMux.open({ address: "127.0.0.1" });
      // The victim: an agent on the mux whose ufrag the attacker knows (it is in the SDP), not its pwd.
      const victim = new IceAgent({ lite: true, udpMux: mux });
      await victim.gather();
      const victimUfrag = victim.localCredentials.ufrag;
      const target = { address: "127.0.0.1", port: mux.port };
      const read = () => mux.stats.routed + mux.stats.dropped;
      const random = seededRandom(0x1ce);
      const check = (ufrag: string, key: StunKey) =>
        buildCheck({
          username: `${ufrag}:attacker`,
          priority: 1,
          controlling: true,
          tieBreaker: 1n,
          useCandidate: random.next() < 0.5,
          key,
        }).bytes;
      const wrongKey = StunKey.shortTerm("not-the-password-at-all");
      const kinds = [
        () => check(victimUfrag, wrongKey),
        () => check(`nobody${random.int(1_000_000)}`, wrongKey),
        () => mutate(check(victimUfrag, wrongKey), random),
        () => random.bytes(random.int(150)),
        // DTLS- and RTP-shaped data from an address no route knows.
        () => {
          const d = random.bytes(13 + random.int(150));
          d[0] = random.next() < 0.5 ? 23 : 0x80;
          return d;
        },
      ];
      const datagram = () => kinds[random.int(kinds.length)]!();

      await floodUdp({ target, count: 2000, datagram, delivered: read, sources: 64 });
      const before = {
        heap: await settledHeap(),
        mux: mux.stats,
        victimDropped: victim.getStats().dropped,
      };
      let echoed = "";
      const result = await floodUdp({
        target,
        count: COUNT,
        // 2.5 ms a datagram on a loaded machine, within the test's 300 s.
        timeoutMs: Math.max(60_000, COUNT * 2.5),
        sources: 64,
        datagram,
        delivered: read,
        during: async () => {
          const agent = new IceAgent({ lite: true, udpMux: mux });
          const peer = new IceAgent({ ...loopback, role: "controlling" });
          await Promise.all([agent.gather(), peer.gather()]);
          signal(peer, agent);
          await Promise.all([agent.connect(), peer.connect()]);
          const got = nextDatagram(agent);
          peer.send(text("through the flood"));
          echoed = untext(await got);
          await Promise.all([agent.close(), peer.close()]);
        },
      });
      const heapGrowth = (await settledHeap()) - before.heap;
      const stats = mux.stats;
      const victimStats = victim.getStats();
      process.stderr.write(
        `mux flood: ${result.sent} sent, ${result.delivered} read, ${result.lost} lost in ${result.ms.toFixed(0)} ms; heap ${(heapGrowth / 1024).toFixed(0)} KiB; mux ${JSON.stringify(stats)}; victim dropped ${victimStats.dropped - before.victimDropped}\n`,
      );
      expect(result.sent).toBe(COUNT);
      expect(result.lost).toBeLessThan(COUNT / 100);
      expect(echoed).toBe("through the flood");
      expect(result.duringSettledAt).toBeLessThan(COUNT);
      // Unknown ufrags and unknown sources dropped by the mux; bad checks dropped (401) by the victim.
      expect(stats.dropped - before.mux.dropped).toBeGreaterThan(COUNT / 4);
      expect(victimStats.dropped - before.victimDropped).toBeGreaterThan(COUNT / 10);
      // Nothing was learned from the flood: no remote address, no peer-reflexive candidate, no pair.
      expect(stats.remotes).toBe(0);
      expect(stats.routes).toBe(1);
      expect(victimStats.remoteCandidates).toEqual([]);
      expect(victimStats.pairs).toEqual([]);
      expect(heapGrowth).toBeLessThan(1.5 * 1024 * 1024);
      await victim.close();
      expect(mux.stats.routes).toBe(0);
      await mux.close();
    });
  }, 300_000);
});
