import { requireCoturn, startCoturn } from "@purertc/interop/coturn";
import { withLeakCheck } from "@purertc/socket/testing";
import { TurnRelayGatherer } from "@purertc/turn";
import { describe, expect, it } from "vitest";
import { negotiate, nextDatagram, trickle, waitForState } from "./pair.test-helper.js";
import { PeerConnection } from "./peer-connection.js";

// Under CI=true a missing coturn throws: this test never skips silently there.
const coturn = requireCoturn();

describe.skipIf(!coturn.available)("iceTransportPolicy relay through coturn", () => {
  it.each([
    ["an explicit TurnRelayGatherer", true],
    ["the turn: entries of iceServers alone, as in browsers", false],
  ])(
    "two PeerConnections connect over TURN relay candidates only (%s), carry a datagram, leave nothing",
    async (_name, explicitGatherer) => {
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
              ...(explicitGatherer ? { iceGatherers: [new TurnRelayGatherer(iceServers)] } : {}),
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
    },
  );
});

describe("iceServers validation", () => {
  it("refuses a turn: server without username or credential, as browsers do (InvalidAccessError)", () => {
    expect(() => new PeerConnection({ iceServers: [{ urls: "turn:127.0.0.1:3478" }] })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ACCESS" }),
    );
    expect(() => new PeerConnection({ iceServers: [{ urls: ["stun:127.0.0.1:3478"] }] })).not.toThrow();
  });
});
