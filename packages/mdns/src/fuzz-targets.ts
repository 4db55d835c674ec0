import dnsPacket from "dns-packet";
import { generateMdnsName, normalizeMdnsName } from "./names.js";
import { addressRecords, questionClass } from "./records.js";
import type { MdnsPacket } from "./shared-socket.js";

/**
 * The fuzz target of @purertc/mdns for `npm run fuzz` (tools/bench/src/fuzz):
 * a datagram as the shared socket handles it, decoded by dns-packet (what
 * multicast-dns uses; its throws are caught and counted as malformed there,
 * so they are expected here), then read by our own code: the questions'
 * class and name, the A/AAAA records. Any throw from our part is a crash.
 * Not part of the library's API (subpath `@purertc/mdns/fuzz`).
 * @module
 */

/** One parser under fuzz: `run` must return or throw an error `expected` accepts. */
export interface FuzzTarget {
  name: string;
  seeds: Uint8Array[];
  run(input: Uint8Array): void;
  expected(error: unknown): boolean;
}

class DecodeFailed extends Error {}

/** Real packets of ours to mutate: a query (QU bit), an announcement with A and AAAA, a goodbye. */
function seeds(): Uint8Array[] {
  const name = generateMdnsName();
  return [
    dnsPacket.encode({
      type: "query",
      id: 0,
      questions: [{ name, type: "A", class: "UNKNOWN_32769" as "IN" }],
    }),
    dnsPacket.encode({
      type: "response",
      id: 0,
      flags: dnsPacket.AUTHORITATIVE_ANSWER,
      answers: [
        { name, type: "A", ttl: 120, flush: true, data: "198.18.0.1" },
        { name, type: "AAAA", ttl: 120, flush: true, data: "fd00:198:18::1" },
      ],
      additionals: [{ name, type: "A", ttl: 120, data: "198.18.0.2" }],
    }),
    dnsPacket.encode({ type: "response", id: 0, answers: [{ name, type: "A", ttl: 0, data: "198.18.0.1" }] }),
  ];
}

export function mdnsFuzzTargets(): FuzzTarget[] {
  return [
    {
      name: "mDNS packet (dns-packet decode + our records)",
      seeds: seeds(),
      run(input) {
        let packet: MdnsPacket;
        try {
          packet = dnsPacket.decode(
            Buffer.from(input.buffer, input.byteOffset, input.byteLength),
          ) as MdnsPacket;
        } catch (error) {
          throw new DecodeFailed(String(error));
        }
        for (const q of packet.questions ?? []) {
          questionClass(q.class);
          if (typeof q.name === "string") normalizeMdnsName(q.name);
        }
        addressRecords(packet);
      },
      expected: (error) => error instanceof DecodeFailed,
    },
  ];
}
