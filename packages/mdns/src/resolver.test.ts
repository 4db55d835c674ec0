import { SocketRegistry } from "@purertc/socket";
import { TEST_OWNER, withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { generateMdnsName, type MdnsError, MdnsResolver, MdnsResponder } from "./index.js";
import { answersFor, loopback, type Seen, withRegistry, withWire } from "./loopback.test-helper.js";

const queriesFor = (seen: Seen[], name: string) =>
  seen.filter((s) => s.kind === "query" && s.packet.questions?.some((q) => q.name === name));

const code = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as MdnsError).code;

describe("MdnsResolver", () => {
  it("asks A and AAAA in separate one-question queries and caches the answer for its TTL", async () => {
    await withWire(async (registry, wire) => {
      await using resolver = await MdnsResolver.open(loopback(registry));
      await using responder = await MdnsResponder.open(loopback(registry));
      const name = generateMdnsName();
      const pending = resolver.resolve(name); // family 0: both
      await wire.until((s) => queriesFor(s, name).length >= 2);
      const [q1, q2] = queriesFor(wire.seen, name);
      expect(q1?.packet.questions).toEqual([expect.objectContaining({ name, type: "A", class: "IN" })]);
      expect(q2?.packet.questions).toEqual([expect.objectContaining({ name, type: "AAAA", class: "IN" })]);
      await responder.publish(name, "198.18.1.1"); // the announcement answers the pending query
      expect(await pending).toEqual(["198.18.1.1"]);
      expect(resolver.pendingQueries).toBe(0);
      const sent = resolver.stats.queriesSent;
      expect(await resolver.resolve(name.toUpperCase(), { family: 4 })).toEqual(["198.18.1.1"]);
      expect(resolver.stats.queriesSent).toBe(sent);
      expect(resolver.stats.cacheHits).toBe(1);
      // A goodbye empties the cache: the next resolve asks again and times out.
      await responder.close();
      await wire.until((s) => answersFor(s, name).some((a) => a.ttl === 0));
      expect(await code(resolver.resolve(name, { family: 4, timeout: 50 }))).toBe("ERR_TIMEOUT");
      expect(resolver.stats.queriesSent).toBe(sent + 1);
      await resolver.close();
    });
  });

  it("concurrent resolves of one name share one query; each keeps its own timeout and signal", async () => {
    await withWire(async (registry, wire) => {
      await using resolver = await MdnsResolver.open(loopback(registry));
      const name = generateMdnsName();
      const aborter = new AbortController();
      const many = Array.from({ length: 20 }, () => resolver.resolve(name, { family: 4 }));
      const aborted = resolver.resolve(name, { family: 4, signal: aborter.signal });
      const short = resolver.resolve(name, { family: 4, timeout: 20 });
      expect(resolver.pendingQueries).toBe(1);
      aborter.abort();
      expect(await code(aborted)).toBe("ERR_ABORTED");
      expect(await code(short)).toBe("ERR_TIMEOUT");
      await wire.until((s) => queriesFor(s, name).length >= 1);
      await using responder = await MdnsResponder.open(loopback(registry));
      await responder.publish(name, "198.18.1.2");
      expect(await Promise.all(many)).toEqual(Array(20).fill(["198.18.1.2"]));
      expect(queriesFor(wire.seen, name)).toHaveLength(1);
      expect(resolver.stats.queriesSent).toBe(1);
      await responder.close();
      await resolver.close();
    });
  });

  it("retransmits on the RFC 6762 §5.2 schedule: ≥1 s, then at least doubling", async () => {
    await withWire(async (registry, wire) => {
      await using resolver = await MdnsResolver.open(loopback(registry));
      const name = generateMdnsName();
      expect(await code(resolver.resolve(name, { family: 4, timeout: 3400 }))).toBe("ERR_TIMEOUT");
      const times = queriesFor(wire.seen, name).map((s) => s.at);
      // Sent at about 0, 1 s and 3 s. These are receive times on a loaded machine, so the
      // bounds are loose: they still tell this schedule from a fixed or sub-second one.
      expect(times.length).toBeGreaterThanOrEqual(2);
      expect(times.length).toBeLessThanOrEqual(3);
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      // Timers never fire early; receipt may lag a send by up to ~300 ms under load.
      expect(gaps[0]).toBeGreaterThanOrEqual(700);
      if (times[2] !== undefined) expect(times[2] - times[0]!).toBeGreaterThanOrEqual(2700);
      await resolver.close();
    });
  });

  it("ignores responses that do not come from the mDNS port, and unrelated records", async () => {
    await withRegistry(async (registry) => {
      await using resolver = await MdnsResolver.open(loopback(registry));
      const name = generateMdnsName();
      const pending = resolver.resolve(name, { family: 4, timeout: 400 });
      const { default: dnsPacket } = await import("dns-packet");
      const spoofer = await registry.open(TEST_OWNER, { label: "spoofer", address: "127.0.0.1" });
      spoofer.send(
        dnsPacket.encode({
          type: "response",
          answers: [{ name, type: "A", ttl: 120, data: "198.18.6.6" }],
        }),
        resolver.address().port,
        "127.0.0.1",
      );
      expect(await code(pending)).toBe("ERR_TIMEOUT");
      await spoofer.close();
    });
  });

  it("rejects bad names and closed use with MdnsError codes", async () => {
    await withRegistry(async (registry) => {
      const resolver = await MdnsResolver.open(loopback(registry));
      expect(await code(resolver.resolve("example.com"))).toBe("ERR_INVALID_NAME");
      expect(await code(resolver.resolve("x.local", { signal: AbortSignal.abort() }))).toBe("ERR_ABORTED");
      await resolver.close();
      await resolver.close();
      expect(await code(resolver.resolve("x.local"))).toBe("ERR_CLOSED");
    });
  });
});

describe("teardown (leak helper)", () => {
  it("publish → dispose", async () => {
    await withRegistry(async (registry) => {
      const responder = await MdnsResponder.open(loopback(registry));
      await responder.publish(generateMdnsName(), "198.18.2.1");
      await responder.publish(generateMdnsName(), ["198.18.2.2", "fd00:198:18::2"]);
      await responder[Symbol.asyncDispose]();
      expect(registry.size).toBe(0);
    });
  });

  it("resolve → answer, resolve → abort, resolve → timeout", async () => {
    const registry = new SocketRegistry();
    for (const scenario of ["answer", "abort", "timeout"] as const) {
      await withLeakCheck(
        async () => {
          const resolver = await MdnsResolver.open(loopback(registry));
          const name = generateMdnsName();
          if (scenario === "answer") {
            const responder = await MdnsResponder.open(loopback(registry));
            const pending = resolver.resolve(name);
            await responder.publish(name, "198.18.2.3");
            expect(await pending).toEqual(["198.18.2.3"]);
            await responder.close();
          } else {
            // Inner check with the resolver open: abort and timeout alone, without close(),
            // must leave no timer or listener behind.
            await withLeakCheck(
              async () => {
                if (scenario === "abort") {
                  const controller = new AbortController();
                  const pending = resolver.resolve(name, { signal: controller.signal, timeout: 60_000 });
                  await new Promise((r) => setTimeout(r, 20));
                  controller.abort();
                  expect(await code(pending)).toBe("ERR_ABORTED");
                } else {
                  expect(await code(resolver.resolve(name, { timeout: 30 }))).toBe("ERR_TIMEOUT");
                }
              },
              { registry },
            );
          }
          // Abort and timeout stop the query's timers at once: nothing pending before close.
          expect(resolver.pendingQueries).toBe(0);
          await resolver.close();
        },
        { registry },
      );
    }
  });

  it("many concurrent resolves → dispose mid-flight: all rejected with ERR_CLOSED, nothing left", async () => {
    await withRegistry(async (registry) => {
      const resolver = await MdnsResolver.open(loopback(registry));
      const names = Array.from({ length: 50 }, () => generateMdnsName());
      const pending = names.flatMap((n) => [resolver.resolve(n), resolver.resolve(n, { family: 4 })]);
      expect(resolver.pendingQueries).toBe(100);
      await new Promise((r) => setTimeout(r, 20));
      await resolver.close();
      const codes = await Promise.all(pending.map(code));
      expect(new Set(codes)).toEqual(new Set(["ERR_CLOSED"]));
    });
  });

  it("one socket per registry and family, shared by reference count: the last close closes it", async () => {
    await withRegistry(async (registry) => {
      const a = await MdnsResponder.open(loopback(registry));
      const [b, c] = await Promise.all([
        MdnsResolver.open(loopback(registry)),
        MdnsResponder.open(loopback(registry)),
      ]);
      expect(registry.size).toBe(1);
      expect(b.address().port).toBe(a.address().port);
      await a.close();
      await b.close();
      expect(registry.size).toBe(1);
      await c.close();
      expect(registry.size).toBe(0);
      // Reopened on the next use.
      const d = await MdnsResolver.open(loopback(registry));
      expect(registry.size).toBe(1);
      // The other family is another socket (udp6 on ::1 here), with the same behaviour.
      const v6 = { registry, family: 6, group: "::1", port: 0 } as const;
      const e = await MdnsResponder.open(v6);
      const f = await MdnsResolver.open(v6);
      expect(registry.size).toBe(2);
      expect(registry.list().map((s) => s.type)).toEqual(["udp4", "udp6"]);
      const name = generateMdnsName();
      await e.publish(name, ["fd00:198:18::9", "198.18.2.9"]);
      expect(await f.resolve(name, { family: 6 })).toEqual(["fd00:198:18::9"]);
      await Promise.all([d.close(), e.close(), f.close()]);
    });
  });
});
