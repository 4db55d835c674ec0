import { floodUdp, mutate, seededRandom, settledHeap, withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { StunClass, StunClient, StunKey, StunMessageBuilder, StunMethod, StunServer } from "./index.js";

/**
 * Flood: hostile datagrams at one StunServer over real loopback sockets
 * from 32 source ports, while a legitimate client gets an authenticated
 * Binding answer. 10,000 by default (CI, a shared 2-core machine);
 * `FLOOD_COUNT=100000` for the full flood of issue 15. The sender is paced
 * by the server's own counters, so what is measured is what the server read.
 */
const COUNT = Number(process.env.FLOOD_COUNT ?? 10_000);
const KEY = StunKey.shortTerm("s3cret");

function request(options: { username?: string; key?: StunKey; software?: string } = {}): Uint8Array {
  const b = new StunMessageBuilder(StunMethod.Binding, StunClass.Request);
  if (options.username !== undefined) b.username(options.username);
  if (options.software !== undefined) b.software(options.software);
  return b.encode({ integrity: options.key, fingerprint: true });
}

describe("StunServer under a flood of hostile datagrams", () => {
  it(`reads ${COUNT} of them with flat memory, counts them, and still answers a real client`, async () => {
    await withLeakCheck(async () => {
      const server = await StunServer.listen({
        credentials: { type: "short-term", password: (u) => (u === "alice:bob" ? KEY : undefined) },
      });
      const target = { address: "127.0.0.1", port: server.address().port };
      const read = () => {
        const s = server.stats;
        return s.requests + s.malformed + s.rejected + s.ignored;
      };
      const random = seededRandom(0x5eed);
      const valid = request({ username: "alice:bob", key: KEY });
      const kinds = [
        // Random bytes, some of them starting like STUN (first two bits 0).
        () => random.bytes(random.int(120)),
        () => {
          const d = random.bytes(20 + random.int(100));
          d[0]! &= 0x3f;
          d[4] = 0x21;
          d[5] = 0x12;
          d[6] = 0xa4;
          d[7] = 0x42;
          return d;
        },
        // Mutations of an authenticated request (bit flips, truncations, tails).
        () => mutate(valid, random),
        // Well-formed requests with a wrong key, or a user nobody knows.
        () => request({ username: "alice:bob", key: StunKey.shortTerm("wrong") }),
        () => request({ username: `mallory${random.int(1_000_000)}:x`, key: KEY }),
        // Responses and indications nobody asked for.
        () =>
          new StunMessageBuilder(StunMethod.Binding, StunClass.SuccessResponse).encode({ fingerprint: true }),
      ];
      const datagram = () => kinds[random.int(kinds.length)]!();

      // Warm up (JIT, caches) so the heap is compared in steady state.
      await floodUdp({ target, count: 2000, datagram, delivered: read });
      const before = { heap: await settledHeap(), stats: { ...server.stats } };
      let legitimate: { port: number } | undefined;
      const result = await floodUdp({
        target,
        count: COUNT,
        // 2.5 ms a datagram on a loaded machine, within the test's 300 s.
        timeoutMs: Math.max(60_000, COUNT * 2.5),
        sources: 32,
        datagram,
        delivered: read,
        during: async () => {
          await using client = await StunClient.open({ address: "127.0.0.1", rto: 100 });
          const answer = await client.binding(target, { username: "alice:bob", key: KEY });
          legitimate = answer.mapped;
          expect(answer.response.checkIntegrity(KEY)).toBe(true);
        },
      });
      const heapGrowth = (await settledHeap()) - before.heap;
      const s = server.stats;
      process.stderr.write(
        `stun flood: ${result.sent} sent, ${result.delivered} read, ${result.lost} lost in ${result.ms.toFixed(0)} ms; heap ${(heapGrowth / 1024).toFixed(0)} KiB; ${JSON.stringify(s)}\n`,
      );
      // Everything sent reached the server, the legitimate client's answer came mid-flood.
      expect(result.sent).toBe(COUNT);
      expect(result.lost).toBeLessThan(COUNT / 100);
      expect(legitimate?.port).toBeGreaterThan(0);
      expect(result.duringSettledAt).toBeLessThan(COUNT);
      // Each kind was counted where it belongs.
      expect(s.malformed - before.stats.malformed).toBeGreaterThan(COUNT / 10);
      expect(s.errorResponses - before.stats.errorResponses).toBeGreaterThan(COUNT / 10);
      expect(s.ignored - before.stats.ignored).toBeGreaterThan(COUNT / 20);
      // Flat memory: a fixed bound, whatever the count (100,000 datagrams retaining 16 bytes each is 1.6 MB).
      expect(heapGrowth).toBeLessThan(1.5 * 1024 * 1024);
      await server.close();
    });
  }, 300_000);
});
