import type { SocketRegistry } from "@purertc/socket";
import { TEST_OWNER } from "@purertc/socket/testing";
import dnsPacket from "dns-packet";
import { describe, expect, it } from "vitest";
import { generateMdnsName, MdnsError, MdnsResolver, MdnsResponder } from "./index.js";
import { answersFor, loopback, withRegistry, withWire } from "./loopback.test-helper.js";

/** Waits (bounded) until `predicate` holds. */
async function until(predicate: () => boolean, ms = 5000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!predicate() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}

/**
 * Sends `queries` to `port` from a socket of its own (not port 5353: a legacy
 * querier, RFC 6762 §6.7) and returns the replies that came: after the first
 * when `expectAnswer`, then a bounded while more, for what may not come.
 */
async function unicastQueries(
  registry: SocketRegistry,
  port: number,
  queries: dnsPacket.Packet[],
  expectAnswer: boolean,
) {
  const socket = await registry.open(TEST_OWNER, { label: "legacy-querier", address: "127.0.0.1" });
  const replies: dnsPacket.Packet[] = [];
  socket.on("message", (data) => replies.push(dnsPacket.decode(data)));
  for (const query of queries) socket.send(dnsPacket.encode(query), port, "127.0.0.1");
  if (expectAnswer) await until(() => replies.length > 0);
  await new Promise((r) => setTimeout(r, 300));
  await socket.close();
  return replies;
}

/** One legacy query (id 4242) of `questions`. */
const legacyQuery = (
  registry: SocketRegistry,
  port: number,
  questions: dnsPacket.Question[],
  expectAnswer: boolean,
) => unicastQueries(registry, port, [{ type: "query", id: 4242, questions }], expectAnswer);

describe("MdnsResponder", () => {
  it("announces on publish, answers A and AAAA for its name, says goodbye on unpublish", async () => {
    await withWire(async (registry, wire) => {
      await using responder = await MdnsResponder.open(loopback(registry));
      const name = generateMdnsName();
      const publication = await responder.publish(name, ["198.18.0.7", "fd00:198:18::7"]);
      expect(publication.name).toBe(name);
      expect(publication.state).toBe("announced");
      expect(responder.owns(name.toUpperCase())).toBe(true);
      // Announcement: both records, TTL 120, cache-flush set, id 0, authoritative.
      await wire.until((s) => answersFor(s, name).length >= 2);
      const announcement = wire.seen.find((s) => s.kind === "response")!;
      expect(announcement.packet.id).toBe(0);
      expect(announcement.packet.flags! & dnsPacket.AUTHORITATIVE_ANSWER).toBeTruthy();
      expect(announcement.packet.answers).toEqual([
        expect.objectContaining({ name, type: "A", ttl: 120, flush: true, data: "198.18.0.7" }),
        expect.objectContaining({ name, type: "AAAA", ttl: 120, flush: true, data: "fd00:198:18::7" }),
      ]);
      // The second announcement comes about a second later (RFC 6762 §8.3).
      await wire.until((s) => answersFor(s, name).filter((a) => a.type === "A").length >= 2);

      await using resolver = await MdnsResolver.open(loopback(registry));
      expect(await resolver.resolve(name, { family: 4 })).toEqual(["198.18.0.7"]);
      expect(await resolver.resolve(name, { family: 6 })).toEqual(["fd00:198:18::7"]);

      await publication.unpublish();
      await publication.unpublish();
      expect(publication.state).toBe("unpublished");
      await wire.until((s) => answersFor(s, name).some((a) => a.ttl === 0));
      expect(
        answersFor(wire.seen, name)
          .filter((a) => a.ttl === 0)
          .map((a) => a.data),
      ).toEqual(["198.18.0.7", "fd00:198:18::7"]);
      expect(responder.owns(name)).toBe(false);
      await responder.close();
      await resolver.close();
    });
  });

  it("answers only for its own names: foreign, unpublished and other-type questions get nothing", async () => {
    await withWire(async (registry, wire) => {
      await using responder = await MdnsResponder.open(loopback(registry));
      const mine = generateMdnsName();
      await responder.publish(mine, "198.18.0.8");
      await wire.until((s) => answersFor(s, mine).length >= 1);
      const foreign = generateMdnsName();
      wire.seen.length = 0;
      await wire.socket.query([{ name: foreign, type: "A" }]);
      await wire.socket.query([{ name: mine, type: "TXT" }]);
      await wire.socket.query([{ name: "_services._dns-sd._udp.local", type: "PTR" }]);
      await new Promise((r) => setTimeout(r, 300));
      expect(wire.seen.filter((s) => s.kind === "query")).toHaveLength(3);
      expect(wire.seen.filter((s) => s.kind === "response")).toEqual([]);
      expect(await legacyQuery(registry, wire.port, [{ name: foreign, type: "A" }], false)).toEqual([]);
      await responder.close();
    });
  });

  it("answers a legacy unicast query (RFC 6762 §6.7) by unicast, id and question echoed, TTL ≤ 10", async () => {
    await withRegistry(async (registry) => {
      await using responder = await MdnsResponder.open(loopback(registry));
      const name = generateMdnsName();
      await responder.publish(name, "198.18.0.9");
      const [reply, ...more] = await legacyQuery(
        registry,
        responder.address().port,
        [{ name: name.toUpperCase(), type: "A" }],
        true,
      );
      expect(more).toEqual([]);
      expect(reply?.id).toBe(4242);
      expect(reply?.questions).toEqual([expect.objectContaining({ name: name.toUpperCase(), type: "A" })]);
      expect(reply?.answers).toEqual([
        expect.objectContaining({ name, type: "A", ttl: 10, flush: false, data: "198.18.0.9" }),
      ]);
    });
  });

  it("suppresses answers the querier already knows (RFC 6762 §7.1)", async () => {
    await withRegistry(async (registry) => {
      await using responder = await MdnsResponder.open(loopback(registry));
      const name = generateMdnsName();
      await responder.publish(name, "198.18.0.10");
      const known = { name, type: "A" as const, ttl: 100, data: "198.18.0.10" };
      const replies = await unicastQueries(
        registry,
        responder.address().port,
        [
          { type: "query", questions: [{ name, type: "A" }], answers: [known] },
          { type: "query", questions: [{ name, type: "A" }], answers: [{ ...known, ttl: 30 }] },
        ],
        true,
      );
      // Only the query whose known answer had less than half the TTL left is answered.
      expect(replies).toHaveLength(1);
    });
  });

  it("renames a generated name on conflict (RFC 6762 §9) and announces the new one", async () => {
    await withWire(async (registry, wire) => {
      await using responder = await MdnsResponder.open(loopback(registry));
      const name = generateMdnsName();
      const publication = await responder.publish(name, "198.18.0.11");
      const conflict = new Promise((r) => responder.once("conflict", r));
      // Another host claims the name with a different address.
      await wire.socket.respond({
        answers: [{ name, type: "A", ttl: 120, flush: true, data: "198.18.0.99" }],
      });
      const event = (await conflict) as { name: string; renamedTo: string };
      expect(event.name).toBe(name);
      expect(event.renamedTo).toMatch(/^[0-9a-f-]{36}\.local$/);
      expect(publication.name).toBe(event.renamedTo);
      expect(responder.owns(name)).toBe(false);
      expect(responder.owns(event.renamedTo)).toBe(true);
      await wire.until((s) => answersFor(s, event.renamedTo).length >= 1);
      // Our own looped-back announcement (same data) is no conflict.
      expect(responder.stats.conflicts).toBe(1);
      await responder.close();
    });
  });

  it("withdraws a chosen name on conflict, and probing finds a taken name", async () => {
    await withWire(async (registry, wire) => {
      await using responder = await MdnsResponder.open(loopback(registry));
      const publication = await responder.publish("printer.local", "198.18.0.12");
      await wire.socket.respond({
        answers: [{ name: "printer.local", type: "A", ttl: 120, flush: true, data: "198.18.0.13" }],
      });
      await wire.until(() => publication.state === "withdrawn");
      expect(responder.owns("printer.local")).toBe(false);

      // A second responder probes for a name the first one holds.
      await using other = await MdnsResponder.open(loopback(registry));
      await responder.publish("scanner.local", "198.18.0.14");
      const error = await other.publish("scanner.local", "198.18.0.15", { probe: true }).catch((e) => e);
      expect(error).toBeInstanceOf(MdnsError);
      expect((error as MdnsError).code).toBe("ERR_CONFLICT");
      expect(other.names()).toEqual([]);
      // A free name passes probing.
      const probed = await other.publish("fax.local", "198.18.0.16", { probe: true });
      expect(probed.state).toBe("announced");
      await other.close();
      await responder.close();
    });
  });

  it("a probing publish stops with why: the caller's abort, unpublish, or close", async () => {
    await withRegistry(async (registry) => {
      await using responder = await MdnsResponder.open(loopback(registry));
      const code = (p: Promise<unknown>) =>
        p.then(
          () => "published",
          (e: unknown) => (e as MdnsError).code,
        );
      // The caller's signal, aborted mid-probe (before and after it starts).
      const user = new AbortController();
      const aborted = code(
        responder.publish("one.local", "198.18.0.21", { probe: true, signal: user.signal }),
      );
      await new Promise((r) => setTimeout(r, 50));
      user.abort();
      expect(await aborted).toBe("ERR_ABORTED");
      expect(
        await code(
          responder.publish("two.local", "198.18.0.22", { probe: true, signal: AbortSignal.abort() }),
        ),
      ).toBe("ERR_ABORTED");
      // Unpublished while probing.
      const unpublished = code(responder.publish("three.local", "198.18.0.23", { probe: true }));
      await new Promise((r) => setTimeout(r, 50));
      await responder.unpublish("three.local");
      expect(await unpublished).toBe("ERR_ABORTED");
      // The responder closed while probing.
      const closed = code(responder.publish("four.local", "198.18.0.24", { probe: true }));
      await new Promise((r) => setTimeout(r, 50));
      await responder.close();
      expect(await closed).toBe("ERR_CLOSED");
      expect(responder.names()).toEqual([]);
    });
  });

  it("rejects bad input with MdnsError codes", async () => {
    await withRegistry(async (registry) => {
      await using responder = await MdnsResponder.open(loopback(registry));
      const codes = async (p: Promise<unknown>) => ((await p.catch((e) => e)) as MdnsError).code;
      expect(await codes(responder.publish("example.com", "198.18.0.1"))).toBe("ERR_INVALID_NAME");
      expect(await codes(responder.publish(`${"a".repeat(64)}.local`, "198.18.0.1"))).toBe(
        "ERR_INVALID_NAME",
      );
      expect(await codes(responder.publish("x.local", "not-an-ip"))).toBe("ERR_INVALID_ADDRESS");
      expect(await codes(responder.publish("x.local", []))).toBe("ERR_INVALID_ADDRESS");
      await responder.publish("x.local", "198.18.0.1");
      expect(await codes(responder.publish("X.local.", "198.18.0.2"))).toBe("ERR_DUPLICATE_NAME");
      await responder.close();
      expect(await codes(responder.publish("y.local", "198.18.0.1"))).toBe("ERR_CLOSED");
    });
  });
});
