import { SocketRegistry } from "@purertc/socket";
import { withLeakCheck } from "@purertc/socket/testing";
import dnsPacket from "dns-packet";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateMdnsName, MdnsResolver, MdnsResponder } from "./index.js";
import { loopback, observe } from "./loopback.test-helper.js";
import { addressRecords, questionClass } from "./records.js";

/** Byte-level attacks on a valid packet: the shapes of malformed DNS seen in the wild. */
function mutate(valid: Buffer, kind: number, at: number, value: number): Buffer {
  const b = Buffer.from(valid);
  const i = at % b.length;
  switch (kind % 7) {
    case 0: // truncated
      return b.subarray(0, i);
    case 1: // one byte changed
      b[i] = value & 0xff;
      return b;
    case 2: // huge section counts
      b.writeUInt16BE(0xffff, 4 + 2 * (value % 4));
      return b;
    case 3: // a compression pointer to itself (a loop) where the first name starts
      b[12] = 0xc0;
      b[13] = 12;
      return b;
    case 4: // a pointer forward, past the end
      b[12] = 0xc0 | (value & 0x3f);
      b[13] = 0xff;
      return b;
    case 5: // a label length running past the end
      b[12] = 63;
      return b.subarray(0, Math.min(b.length, 40));
    default: // garbage appended
      return Buffer.concat([b, Buffer.alloc(value % 64, value & 0xff)]);
  }
}

describe("malformed packets on the socket path", () => {
  it("random and mutated datagrams never crash or stop the responder and resolver", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(
      async () => {
        const wire = await observe(registry);
        await using responder = await MdnsResponder.open(loopback(registry));
        await using resolver = await MdnsResolver.open(loopback(registry));
        const name = generateMdnsName();
        const publication = await responder.publish(name, ["198.18.3.1", "fd00:198:18::31"]);
        const seeds = [
          dnsPacket.encode({ type: "query", questions: [{ name, type: "A" }] }),
          dnsPacket.encode({
            type: "query",
            questions: [
              { name, type: "AAAA" },
              // dns-packet's types lack ANY (QTYPE 255), which it encodes.
              { name, type: "ANY" as unknown as dnsPacket.RecordType },
            ],
          }),
          dnsPacket.encode({
            type: "response",
            answers: [
              { name, type: "A", ttl: 120, flush: true, data: "198.18.3.1" },
              { name: "x.local", type: "AAAA", ttl: 0, data: "::1" },
            ],
            additionals: [{ name, type: "TXT", data: "hello" }],
          }),
        ];
        let sent = 0;
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(
              fc.uint8Array({ minLength: 0, maxLength: 700 }).map((a) => Buffer.from(a)),
              fc
                .tuple(fc.constantFrom(...seeds), fc.nat(), fc.nat(), fc.nat())
                .map(([seed, kind, at, value]) => mutate(seed, kind, at, value)),
            ),
            async (datagram) => {
              wire.socket.sendRaw(datagram);
              // From another port too: the legacy-unicast path.
              wire.socket.sendRaw(datagram, { address: "127.0.0.1", port: responder.address().port });
              sent += 2;
              if (sent % 50 === 0) await new Promise((r) => setTimeout(r, 1));
            },
          ),
          { numRuns: 600 },
        );
        // Let the socket drain: wait until the counters stop moving (bounded).
        const total = () => {
          const s = responder.stats.socket;
          return s.queries + s.responses + s.malformed;
        };
        for (let i = 0, last = -1; i < 100 && total() !== last; i++) {
          last = total();
          await new Promise((r) => setTimeout(r, 50));
        }
        const stats = responder.stats.socket;
        // Most random datagrams do not decode (some may be dropped by a full socket buffer).
        expect(stats.malformed).toBeGreaterThan(20);
        expect(stats.handlerErrors).toBe(0);
        // Still alive and answering: a new name published now resolves.
        const other = generateMdnsName();
        const pending = resolver.resolve(other, { family: 4 });
        await responder.publish(other, "198.18.3.2");
        expect(await pending).toEqual(["198.18.3.2"]);
        // Mutated responses that claim our name with other data are conflicts
        // (RFC 6762 §9): the generated name was renamed, never dropped.
        expect(publication.state).toBe("announced");
        expect(responder.owns(publication.name)).toBe(true);
        await resolver.close();
        await responder.close();
        await wire.close();
      },
      { registry, timeoutMs: 5000 },
    );
  });

  it("record readers take any decoded value without throwing", () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (answers, klass) => {
        expect(Array.isArray(addressRecords({ answers } as never))).toBe(true);
        const c = questionClass(klass);
        expect(typeof c.internet).toBe("boolean");
      }),
      { numRuns: 2000 },
    );
    expect(questionClass("UNKNOWN_32769")).toEqual({ internet: true, unicast: true });
    expect(questionClass("IN")).toEqual({ internet: true, unicast: false });
    expect(questionClass("CH")).toEqual({ internet: false, unicast: false });
  });
});
