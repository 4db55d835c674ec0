import { type ManagedSocket, SocketRegistry } from "@purertc/socket";
import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { IceAgent } from "./index.js";
import { nextDatagram, text, untext } from "./test/pair.test-helper.js";

/**
 * A symmetric "NAT" on 127.0.0.1 made of two sockets: what A sends to `outer`
 * reaches B from `inner`, and what B sends to `inner` reaches A from `outer`.
 * B never sees A's own address, A never sees B's: each learns the other as
 * a peer-reflexive candidate, and learns its own mapped address (the NAT's
 * socket) as a local peer-reflexive candidate from the answers.
 */
async function symmetricNat(bPort: number) {
  const owner = {} as { outer: ManagedSocket; inner: ManagedSocket; aPort: number };
  owner.outer = await SocketRegistry.default.open(owner, { label: "nat-outer", address: "127.0.0.1" });
  owner.inner = await SocketRegistry.default.open(owner, { label: "nat-inner", address: "127.0.0.1" });
  owner.aPort = 0;
  owner.outer.on("message", (data, from) => {
    owner.aPort = from.port;
    owner.inner.send(data, bPort, "127.0.0.1");
  });
  owner.inner.on("message", (data, from) => {
    if (from.port === bPort && owner.aPort) owner.outer.send(data, owner.aPort, "127.0.0.1");
  });
  return owner;
}

describe("peer-reflexive candidates through a symmetric NAT on loopback", () => {
  it("learns remote prflx from checks and local prflx from answers, and carries data both ways", async () => {
    await withLeakCheck(async () => {
      const a = new IceAgent({ role: "controlling", loopback: "only", ipv6: false });
      const b = new IceAgent({ role: "controlled", loopback: "only", ipv6: false });
      await Promise.all([a.gather(), b.gather()]);
      const bHost = b.localCandidates[0]!;
      const aHost = a.localCandidates[0]!;
      const nat = await symmetricNat(bHost.port);
      const outerPort = nat.outer.address().port;
      const innerPort = nat.inner.address().port;
      a.setRemoteCredentials(b.localCredentials);
      b.setRemoteCredentials(a.localCredentials);
      // A is told B is at the NAT's outer socket; B is told nothing about A.
      a.addRemoteCandidate({ ...bHost, port: outerPort });
      const [pairA, pairB] = await Promise.all([a.connect(), b.connect()]);
      expect(pairA.remote.port).toBe(outerPort);
      expect(pairB.remote).toMatchObject({ type: "prflx", port: innerPort });
      // Each learned its mapped address (the NAT socket) as a local prflx, based on its host.
      expect(a.getStats().localCandidates).toContainEqual(
        expect.objectContaining({ type: "prflx", port: innerPort, relatedPort: aHost.port }),
      );
      expect(b.getStats().localCandidates).toContainEqual(
        expect.objectContaining({ type: "prflx", port: outerPort, relatedPort: bHost.port }),
      );
      // Peer-reflexive locals are not signalled.
      expect(a.localCandidates.map((c) => c.type)).toEqual(["host"]);
      const toB = nextDatagram(b);
      a.send(text("through the nat"));
      expect(untext(await toB)).toBe("through the nat");
      const toA = nextDatagram(a);
      b.send(text("and back"));
      expect(untext(await toA)).toBe("and back");
      await Promise.all([a.close(), b.close(), nat.outer.close(), nat.inner.close()]);
    });
  });
});
