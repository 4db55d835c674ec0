import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { hostAddresses, IceAgent, UdpMux } from "../index.js";
import { nextDatagram, signal, text, untext } from "../test/pair.test-helper.js";

const loopback = { loopback: "only", ipv6: false } as const;

async function connectThrough(mux: UdpMux): Promise<[IceAgent, IceAgent]> {
  const agent = new IceAgent({ lite: true, udpMux: mux });
  const peer = new IceAgent({ ...loopback, role: "controlling" });
  await Promise.all([agent.gather(), peer.gather()]);
  signal(peer, agent);
  await Promise.all([agent.connect(), peer.connect()]);
  return [agent, peer];
}

describe("UdpMux on the wildcard address", () => {
  it("binds 0.0.0.0 once and announces a host candidate per IPv4 interface address, all on its one port", async () => {
    await withLeakCheck(async () => {
      await using mux = await UdpMux.open({ address: "0.0.0.0" });
      expect(mux.address).toBe("0.0.0.0");
      const expected = hostAddresses({ loopback: true, ipv6: false });
      expect(expected).toContain("127.0.0.1");
      expect(mux.addresses).toEqual(expected);
      const [agent, peer] = await connectThrough(mux);
      expect(agent.localCandidates.map((c) => `${c.address}:${c.port}`)).toEqual(
        expected.map((a) => `${a}:${mux.port}`),
      );
      // Distinct priorities, loopback last (least preferred).
      const priorities = agent.localCandidates.map((c) => c.priority);
      expect([...priorities].sort((a, b) => b - a)).toEqual(priorities);
      expect(new Set(priorities).size).toBe(priorities.length);
      expect(peer.selectedPair?.remote.port).toBe(mux.port);
      const atAgent = nextDatagram(agent);
      peer.send(text("to the wildcard mux"));
      expect(untext(await atAgent)).toBe("to the wildcard mux");
      const atPeer = nextDatagram(peer);
      agent.send(text("from the wildcard mux"));
      expect(untext(await atPeer)).toBe("from the wildcard mux");
      await Promise.all([agent.close(), peer.close()]);
      expect(mux.stats).toMatchObject({ routes: 0, remotes: 0 });
    });
  });

  it("announces only what `announce` lists", async () => {
    await withLeakCheck(async () => {
      await using mux = await UdpMux.open({ address: "0.0.0.0", announce: ["127.0.0.1"] });
      const [agent, peer] = await connectThrough(mux);
      expect(agent.localCandidates).toEqual([
        expect.objectContaining({ type: "host", address: "127.0.0.1", port: mux.port }),
      ]);
      await Promise.all([agent.close(), peer.close()]);
    });
  });

  it("refuses announce without a wildcard address, addresses of the other family, and an empty list", async () => {
    await expect(UdpMux.open({ address: "127.0.0.1", announce: ["127.0.0.1"] })).rejects.toMatchObject({
      code: "ERR_OPTIONS",
    });
    await expect(UdpMux.open({ address: "0.0.0.0", announce: ["::1"] })).rejects.toMatchObject({
      code: "ERR_OPTIONS",
      message: expect.stringContaining('cannot announce "::1"'),
    });
    await expect(UdpMux.open({ address: "0.0.0.0", announce: ["0.0.0.0"] })).rejects.toMatchObject({
      code: "ERR_OPTIONS",
    });
    await expect(UdpMux.open({ address: "0.0.0.0", announce: [] })).rejects.toMatchObject({
      code: "ERR_OPTIONS",
    });
  });
});
