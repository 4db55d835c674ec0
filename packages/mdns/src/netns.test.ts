import { existsSync } from "node:fs";
import { CLI, ROOT, watchJsonChild as watch } from "@purertc/interop/json-child";
import { createLoopbackNetns, createVethPair, netnsAvailable } from "@purertc/interop/netns";
import { describe, expect, it } from "vitest";
import { generateMdnsName } from "./index.js";

// Real multicast, only inside a namespace this test makes (never in the root namespace).
const { available, reason } = netnsAvailable();
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm run build)`);

/**
 * An independent mDNS peer: the raw multicast-dns package in its own
 * process, as INTEROP.md runs it. It prints every response it sees and
 * sends the queries it is given on stdin.
 */
const OBSERVER = `
const mdns = require("multicast-dns")({ interface: "127.0.0.1", bind: "0.0.0.0" });
mdns.on("response", (p, r) => console.log(JSON.stringify({ event: "response", port: r.port,
  answers: p.answers.map((a) => ({ name: a.name, type: a.type, ttl: a.ttl, data: a.data, flush: a.flush })) })));
mdns.on("ready", () => console.log(JSON.stringify({ event: "ready" })));
process.stdin.setEncoding("utf8").on("data", (d) => { for (const line of d.split("\\n").filter(Boolean)) {
  const q = JSON.parse(line); mdns.query({ questions: [q] }); } });
process.on("SIGTERM", () => mdns.destroy(() => process.exit(0)));
`;

describe.skipIf(!available)(
  `two processes over real multicast in a namespace${available ? "" : ` (${reason})`}`,
  () => {
    it("publish in one process, resolve in another; answers only its name; goodbye on exit", async () => {
      await using ns = await createLoopbackNetns({ prefix: "mdns" });
      const name = generateMdnsName();
      const observer = watch(ns.spawn(process.execPath, ["-e", OBSERVER], { cwd: ROOT }));
      // The observer listens before the publisher starts, so it sees the announcements.
      await observer
        .next((e) => e.event === "ready")
        .catch(async (error: unknown) => {
          await observer.stop();
          throw error;
        });
      const publisher = watch(
        ns.spawn(process.execPath, [CLI, "mdns-publish", name, "198.18.0.1", "--json"]),
      );
      try {
        expect(await publisher.next((e) => e.event === "published")).toEqual({
          event: "published",
          name,
          address: "198.18.0.1",
        });
        // The announcement reached the independent peer: TTL 120, cache-flush, from port 5353.
        const announced = await observer.next((e) => JSON.stringify(e).includes(name));
        expect(announced).toMatchObject({
          port: 5353,
          answers: [{ name, type: "A", ttl: 120, data: "198.18.0.1" }],
        });

        const resolver = watch(
          ns.spawn(process.execPath, [
            CLI,
            "mdns-resolve",
            name.toUpperCase(),
            "--timeout",
            "5000",
            "--json",
          ]),
        );
        expect(await resolver.exit()).toBe(0);
        expect(resolver.events).toEqual([
          { event: "resolved", name, addresses: ["198.18.0.1"], ms: expect.any(Number) },
        ]);

        // A name nobody published: our responder stays silent, the resolver times out with exit 1.
        const foreign = generateMdnsName();
        observer.send({ name: foreign, type: "A" });
        const missing = watch(
          ns.spawn(process.execPath, [CLI, "mdns-resolve", foreign, "--timeout", "1500", "--json"]),
        );
        expect(await missing.exit()).toBe(1);
        expect(missing.events).toEqual([
          { event: "error", code: "ERR_TIMEOUT", message: expect.any(String) },
        ]);
        expect(observer.events.filter((e) => JSON.stringify(e).includes(foreign))).toEqual([]);

        // The independent peer's own query is answered (both announcements are long past).
        const mentions = () => observer.events.filter((e) => JSON.stringify(e).includes(name)).length;
        const before = mentions();
        observer.send({ name, type: "A" });
        await observer.next(() => mentions() > before);

        // SIGTERM: goodbye (TTL 0) on the wire, and the process exits by itself with 0.
        expect(await publisher.stop()).toBe(0);
        expect(publisher.events.at(-1)).toEqual({ event: "unpublished", name });
        await observer.next((e) => JSON.stringify(e).includes(`"ttl":0`));
        const after = watch(
          ns.spawn(process.execPath, [CLI, "mdns-resolve", name, "--timeout", "1200", "--json"]),
        );
        expect(await after.exit()).toBe(1);
      } finally {
        await publisher.stop();
        await observer.stop();
      }
    });

    it("the CLI refuses bad names and addresses with an error event and exit 1", async () => {
      await using ns = await createLoopbackNetns({ prefix: "mdnscli" });
      const cases = [
        { argv: ["mdns-resolve", "example.com"], code: "ERR_INVALID_NAME" },
        { argv: ["mdns-publish", "ok.local", "not-an-ip"], code: "ERR_INVALID_ADDRESS" },
        { argv: ["mdns-publish", "bad name", "198.18.0.1"], code: "ERR_INVALID_NAME" },
      ];
      for (const { argv, code } of cases) {
        const child = watch(ns.spawn(process.execPath, [CLI, ...argv, "--json"]));
        expect(await child.exit()).toBe(1);
        expect(child.events).toEqual([{ event: "error", code, message: expect.any(String) }]);
      }
      const usage = watch(ns.spawn(process.execPath, [CLI, "mdns-resolve", "--json"]));
      expect(await usage.exit()).toBe(1);
      expect(usage.events).toEqual([{ event: "error", message: expect.stringContaining("<name.local>") }]);
    });

    it("between two namespaces over IPv6 (ff02::fb on a veth link): AAAA published in one, resolved in the other", async () => {
      await using lan = await createVethPair({ prefix: "mdns6", ipv6: true });
      const name = generateMdnsName();
      const publisher = watch(
        lan.a.spawn(process.execPath, [
          CLI,
          "mdns-publish",
          name,
          lan.a.address6!,
          "--family",
          "6",
          "--json",
        ]),
      );
      try {
        await publisher.next((e) => e.event === "published");
        const resolver = watch(
          lan.b.spawn(process.execPath, [
            CLI,
            "mdns-resolve",
            name,
            "--family",
            "6",
            "--record",
            "6",
            "--json",
          ]),
        );
        expect(await resolver.exit()).toBe(0);
        expect(resolver.events).toEqual([
          { event: "resolved", name, addresses: [lan.a.address6], ms: expect.any(Number) },
        ]);
        expect(await publisher.stop()).toBe(0);
      } finally {
        await publisher.stop();
      }
    });
  },
);
