import type { RemoteInfo } from "node:dgram";
import { SocketRegistry } from "@purertc/socket";
import { withLeakCheck } from "@purertc/socket/testing";
import type { MdnsPacket } from "./shared-socket.js";
import { acquireMdnsSocket, type MdnsSocketLease } from "./socket-pool.js";

/**
 * Options that make the shared mDNS socket talk to itself on 127.0.0.1 (a
 * unicast "group" on a free port): the whole responder and resolver path
 * runs over real UDP on loopback, with no multicast in the root namespace.
 */
export function loopback(registry: SocketRegistry) {
  return { registry, group: "127.0.0.1", port: 0 } as const;
}

export interface Seen {
  kind: "query" | "response";
  packet: MdnsPacket;
  remote: RemoteInfo;
  at: number;
}

/**
 * Takes a lease on the same shared socket and records every packet it
 * decodes: what the responder and resolver put on the wire, as received.
 */
export async function observe(registry: SocketRegistry) {
  const lease: MdnsSocketLease = await acquireMdnsSocket(loopback(registry));
  const seen: Seen[] = [];
  const handler = {
    onQuery: (packet: MdnsPacket, remote: RemoteInfo) =>
      seen.push({ kind: "query", packet, remote, at: performance.now() }),
    onResponse: (packet: MdnsPacket, remote: RemoteInfo) =>
      seen.push({ kind: "response", packet, remote, at: performance.now() }),
  };
  lease.socket.subscribe(handler);
  return {
    seen,
    socket: lease.socket,
    port: lease.socket.address().port,
    async close() {
      lease.socket.unsubscribe(handler);
      await lease.release();
    },
    /** Waits (bounded) until `predicate` holds over what was seen. */
    async until(predicate: (seen: Seen[]) => boolean, ms = 8000): Promise<void> {
      const deadline = performance.now() + ms;
      while (!predicate(seen)) {
        if (performance.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
}

/** Responses that carry an A/AAAA record for `name`, with their TTLs. */
export function answersFor(seen: Seen[], name: string): { ttl: number; data: string; type: string }[] {
  return seen
    .filter((s) => s.kind === "response")
    .flatMap((s) => s.packet.answers ?? [])
    .filter((a) => a.name.toLowerCase() === name.toLowerCase() && (a.type === "A" || a.type === "AAAA"))
    .map((a) => ({
      ttl: "ttl" in a ? (a.ttl ?? -1) : -1,
      data: "data" in a ? String(a.data) : "",
      type: a.type,
    }));
}

/** What {@link observe} resolves to: the packets seen, a socket to inject with, and a bounded wait. */
export type Wire = Awaited<ReturnType<typeof observe>>;

/**
 * Runs `scenario` with a registry of its own inside the leak check (sockets,
 * timers, fds): what it opens must be gone when it returns.
 */
export async function withRegistry(scenario: (registry: SocketRegistry) => Promise<void>): Promise<void> {
  const registry = new SocketRegistry();
  await withLeakCheck(() => scenario(registry), { registry });
}

/** {@link withRegistry} with a {@link Wire} observing the shared socket, released after the scenario. */
export function withWire(scenario: (registry: SocketRegistry, wire: Wire) => Promise<void>): Promise<void> {
  return withRegistry(async (registry) => {
    const wire = await observe(registry);
    try {
      await scenario(registry, wire);
    } finally {
      await wire.close();
    }
  });
}
