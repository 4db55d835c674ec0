import { SocketRegistry } from "@purertc/socket";
import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { IceAgent, IceError } from "./index.js";
import { nextDatagram, signal, text, untext, waitForState } from "./test/pair.test-helper.js";

const loopback = { loopback: "only", ipv6: false } as const;

describe("ICE-lite (RFC 8445 §2.5)", () => {
  it("a full agent connects to a lite one; the lite one sends nothing but answers and data", async () => {
    await withLeakCheck(async () => {
      await using liteRegistry = new SocketRegistry();
      // The lite agent asks for controlling and for a STUN server: both are ignored.
      const lite = new IceAgent({
        ...loopback,
        lite: true,
        role: "controlling",
        stunServers: ["127.0.0.1:9"],
        registry: liteRegistry,
      });
      const full = new IceAgent({ ...loopback, role: "controlling" });
      expect(lite.role).toBe("controlled");
      await Promise.all([lite.gather(), full.gather()]);
      expect(lite.localCandidates.map((c) => c.type)).toEqual(["host"]);
      signal(full, lite);
      const [fullPair, litePair] = await Promise.all([full.connect(), lite.connect()]);
      expect(litePair.local.port).toBe(fullPair.remote.port);
      expect(litePair.remote.port).toBe(fullPair.local.port);
      // Every datagram the lite agent sent answered one it received: no check of its own.
      const [socket] = liteRegistry.list();
      expect(socket!.stats.packetsOut).toBe(socket!.stats.packetsIn);
      expect(socket!.stats.packetsIn).toBeGreaterThan(0);
      expect(lite.getStats().pairs.every((p) => p.state !== "in-progress")).toBe(true);

      const atLite = nextDatagram(lite);
      full.send(text("to the server"));
      expect(untext(await atLite)).toBe("to the server");
      const atFull = nextDatagram(full);
      lite.send(text("to the client"));
      expect(untext(await atFull)).toBe("to the client");
      await full.close();
      await lite.close();
      expect(lite.state).toBe("closed");
    });
  });

  it("a full agent that starts controlled is told (487) to control a lite one", async () => {
    await withLeakCheck(async () => {
      const lite = new IceAgent({ ...loopback, lite: true });
      const full = new IceAgent({ ...loopback, role: "controlled", tieBreaker: 2n ** 63n });
      // The lite agent's tie-breaker is smaller, yet it never takes the controlling role.
      const roles: string[] = [];
      full.on("rolechange", (r) => roles.push(r));
      await Promise.all([lite.gather(), full.gather()]);
      signal(full, lite);
      await Promise.all([full.connect(), lite.connect()]);
      expect(roles).toEqual(["controlling"]);
      expect(lite.role).toBe("controlled");
      await full.close();
      await lite.close();
    });
  });

  it("keeps consent from the peer's checks; loses it when they stop", async () => {
    await withLeakCheck(async () => {
      const timing = { consentIntervalMs: 100, disconnectedTimeoutMs: 400, consentTimeoutMs: 800 };
      const lite = new IceAgent({ ...loopback, lite: true, ...timing });
      const full = new IceAgent({ ...loopback, ...timing });
      await Promise.all([lite.gather(), full.gather()]);
      signal(full, lite);
      await Promise.all([full.connect(), lite.connect()]);
      const states: string[] = [];
      lite.on("statechange", (s) => states.push(s));
      // Ten consent intervals of the full agent: the lite one stays connected.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(states).toEqual([]);
      await full.close();
      await waitForState(lite, "failed");
      expect(states).toEqual(["disconnected", "failed"]);
      await lite.close();
    });
  });

  it("refuses lite together with relayOnly", () => {
    expect(() => new IceAgent({ lite: true, relayOnly: true })).toThrow(IceError);
  });
});
