import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { IceAgent } from "./index.js";
import { nextDatagram, signal, text, untext } from "./test/pair.test-helper.js";

// The mDNS socket talks to itself on 127.0.0.1 (a unicast "group" on a free
// port): the responder and resolver run for real, with no multicast in the
// root namespace.
const mdns = { group: "127.0.0.1", port: 0, resolveTimeoutMs: 3000 };
const loopback = { loopback: "only", ipv6: false } as const;

describe("mDNS candidates", () => {
  it("publishes host candidates as <uuid>.local, resolves the peer's, and connects", async () => {
    await withLeakCheck(async () => {
      const a = new IceAgent({ role: "controlling", ...loopback, mdns });
      const b = new IceAgent({ role: "controlled", ...loopback, mdns });
      await Promise.all([a.gather(), b.gather()]);
      for (const c of [...a.localCandidates, ...b.localCandidates]) {
        expect(c.address).toMatch(
          /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.local$/,
        );
      }
      const states: string[] = [];
      a.on("statechange", (state) => states.push(state));
      // The peer's only candidates are names, and end-of-candidates comes at
      // once: the agent must wait for the names, not declare failure.
      signal(a, b);
      const [pairA] = await Promise.all([a.connect(), b.connect()]);
      expect(states).not.toContain("failed");
      // The remote was resolved to its IP (or learned as peer-reflexive first).
      expect(pairA.remote.address).toBe("127.0.0.1");
      // The peer's name resolves to its host candidate (not only a prflx learned from its checks).
      for (let i = 0; i < 200 && !a.remoteCandidates.some((c) => c.type === "host"); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(a.remoteCandidates.find((c) => c.type === "host")).toMatchObject({
        address: "127.0.0.1",
        port: pairA.remote.port,
      });
      const got = nextDatagram(b);
      a.send(text("over mdns"));
      expect(untext(await got)).toBe("over mdns");
      await Promise.all([a.close(), b.close()]);
    });
  });

  it("ignores .local candidates when mDNS is off", async () => {
    const a = new IceAgent({ ...loopback });
    a.addRemoteCandidate(
      "candidate:1 1 udp 2130706431 11111111-2222-4333-8444-555555555555.local 9 typ host",
    );
    expect(a.remoteCandidates).toEqual([]);
    await a.close();
  });
});
