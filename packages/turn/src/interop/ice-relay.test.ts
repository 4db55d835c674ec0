// End-to-end check of the ICE seam: two @purertc/ice agents, relay only, through coturn.
// (It imports @purertc/ice in a test only: the package itself never imports ice.)
import { IceAgent } from "@purertc/ice";
import { requireCoturn } from "@purertc/interop/coturn";
import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { TurnRelayGatherer } from "../relay-gatherer.js";
import { coturnPerSuite } from "./coturn.test-helper.js";

const coturn = requireCoturn();

describe.skipIf(!coturn.available)("relay-only ICE through coturn", () => {
  const server = coturnPerSuite({ mode: "turn" });

  const cases = [
    { name: "both over UDP to the server", a: "udp", b: "udp" },
    { name: "one over TCP to the server, one over UDP", a: "tcp", b: "udp" },
  ] as const;
  for (const c of cases) {
    it(`two relay-only agents connect over relay candidates and echo data (${c.name})`, async () => {
      await withLeakCheck(async () => {
        const turn = (transport: string) => [
          { urls: `turn:${server().address}?transport=${transport}`, username: "user", credential: "pass" },
        ];
        const a = new IceAgent({
          role: "controlling",
          relayOnly: true,
          gatherers: [new TurnRelayGatherer(turn(c.a))],
        });
        const b = new IceAgent({
          role: "controlled",
          relayOnly: true,
          gatherers: [new TurnRelayGatherer(turn(c.b))],
        });
        try {
          await Promise.all([a.gather(), b.gather()]);
          expect(a.localCandidates.map((x) => x.type)).toEqual(["relay"]);
          expect(b.localCandidates.map((x) => x.type)).toEqual(["relay"]);
          a.setRemoteCredentials(b.localCredentials);
          b.setRemoteCredentials(a.localCredentials);
          for (const x of b.localCandidates) a.addRemoteCandidate(x);
          for (const x of a.localCandidates) b.addRemoteCandidate(x);
          a.addRemoteCandidate(null);
          b.addRemoteCandidate(null);
          const [pa] = await Promise.all([a.connect(), b.connect()]);
          expect(pa.local.type).toBe("relay");
          expect(pa.remote.type).toBe("relay");
          b.onDatagram = (data) => b.send(data);
          const got: string[] = [];
          a.onDatagram = (data) => got.push(Buffer.from(data).toString());
          for (let i = 0; i < 10; i++) {
            a.send(Buffer.from(`d${i}`));
            for (let k = 0; k < 500 && got.length <= i; k++) await new Promise((r) => setTimeout(r, 5));
          }
          expect(got).toEqual(Array.from({ length: 10 }, (_, i) => `d${i}`));
        } finally {
          await Promise.all([a.close(), b.close()]);
        }
      });
    }, 30_000);
  }
});
