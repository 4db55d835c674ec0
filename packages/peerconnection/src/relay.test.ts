import { requireCoturn, startCoturn } from "@purertc/interop/coturn";
import { withLeakCheck } from "@purertc/socket/testing";
import { TurnRelayGatherer } from "@purertc/turn";
import { describe, expect, it } from "vitest";
import { negotiate, nextDatagram, trickle, waitForState } from "./pair.test-helper.js";
import { PeerConnection } from "./peer-connection.js";

// Under CI=true a missing coturn throws: this test never skips silently there.
const coturn = requireCoturn();

describe.skipIf(!coturn.available)("iceTransportPolicy relay through coturn", () => {
  it("two PeerConnections connect over TURN relay candidates only, carry a datagram, leave nothing", async () => {
    const server = await startCoturn({ mode: "turn" });
    try {
      await withLeakCheck(async () => {
        const iceServers = [
          { urls: `turn:${server.address}`, username: server.username, credential: server.password },
        ];
        const config = () =>
          ({
            iceServers,
            iceTransportPolicy: "relay",
            interfaces: "loopback",
            iceGatherers: [new TurnRelayGatherer(iceServers)],
          }) as const;
        const a = new PeerConnection(config());
        const b = new PeerConnection(config());
        const types: string[] = [];
        a.addEventListener("icecandidate", (e) => {
          if (e.candidate?.candidate) types.push(/ typ (\S+)/.exec(e.candidate.candidate)![1]!);
        });
        trickle(a, b);
        await negotiate(a, b);
        await Promise.all([waitForState(a, "connected", 20_000), waitForState(b, "connected", 20_000)]);
        expect(types.length).toBeGreaterThan(0);
        expect(new Set(types)).toEqual(new Set(["relay"]));
        const stats = await a.getStats();
        const transport = [...stats.values()].find((s) => s.type === "transport")!;
        const pair = stats.get(String(transport.selectedCandidatePairId))!;
        expect(stats.get(String(pair.localCandidateId))?.candidateType).toBe("relay");
        const got = nextDatagram(b);
        a.sendDatagram("via coturn");
        expect(await got).toBe("via coturn");
        await a.close();
        await b.close();
      });
    } finally {
      await server.close();
    }
  });
});
