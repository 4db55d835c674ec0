import { requireCoturn } from "@purertc/interop/coturn";
import { SocketRegistry } from "@purertc/socket";
import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import {
  type RelayCandidate,
  type RelayGatherContext,
  type RelayGatherError,
  relayPriority,
  type TurnRelayBase,
  TurnRelayGatherer,
  turnUrls,
} from "../relay-gatherer.js";
import { coturnPerSuite, until } from "./coturn.test-helper.js";

const coturn = requireCoturn();

/** A gathering context as the ICE agent gives one, recording what the gatherer reports. */
function context(signal: AbortSignal) {
  const bases: TurnRelayBase[] = [];
  const candidates: RelayCandidate[] = [];
  const errors: RelayGatherError[] = [];
  const ctx: RelayGatherContext = {
    signal,
    registry: SocketRegistry.default,
    component: 1,
    addBase: (b) => bases.push(b),
    addCandidate: (c) => candidates.push(c),
    reportError: (e) => errors.push(e),
  };
  return { ctx, bases, candidates, errors };
}

describe("turnUrls", () => {
  it("keeps turn: URLs over UDP and TCP, and turns: URLs", () => {
    expect(
      turnUrls({
        urls: ["stun:a:1", "turn:b:2", "turn:c:3?transport=udp", "turn:d:4?transport=tcp", "turns:e:5"],
        username: "",
        credential: "",
      }),
    ).toEqual(["turn:b:2", "turn:c:3?transport=udp", "turn:d:4?transport=tcp", "turns:e:5"]);
    expect(relayPriority(65535, 1)).toBe(65535 * 256 + 255);
  });
});

describe.skipIf(!coturn.available)("TurnRelayGatherer against coturn", () => {
  const server = coturnPerSuite({ mode: "turn" });
  const config = () => ({
    urls: `turn:${server().address}?transport=udp`,
    username: "user",
    credential: "pass",
  });

  it("gathers a relay candidate per server; two bases exchange datagrams through coturn", async () => {
    await withLeakCheck(async () => {
      const controller = new AbortController();
      const a = context(controller.signal);
      const b = context(controller.signal);
      await Promise.all([
        new TurnRelayGatherer([config()]).gather(a.ctx),
        new TurnRelayGatherer([config()]).gather(b.ctx),
      ]);
      expect(a.errors).toEqual([]);
      const [ca] = a.candidates;
      expect(ca).toMatchObject({ type: "relay", transport: "udp", component: 1, address: "127.0.0.1" });
      expect(ca!.relatedAddress).toBe("127.0.0.1");
      expect(ca!.priority).toBe(relayPriority(65535, 1));
      const baseA = a.bases[0]!;
      const baseB = b.bases[0]!;
      expect(baseA.kind).toBe("relay");
      expect({ address: baseA.address, port: baseA.port }).toEqual({ address: ca!.address, port: ca!.port });
      const atB: string[] = [];
      const fromAtB = new Set<string>();
      baseB.onPacket = (data, address, port) => {
        fromAtB.add(`${address}:${port}`);
        atB.push(Buffer.from(data).toString());
        baseB.send(data, port, address);
      };
      const atA: string[] = [];
      baseA.onPacket = (data) => atA.push(Buffer.from(data).toString());
      // B must permit A before A's datagrams pass the server, as in ICE where both sides send checks.
      // This first one is dropped by the server at A's side: A has no permission for B yet.
      baseB.send(Buffer.from("dropped"), baseA.port, baseA.address);
      await until(() => baseB.client.permittedPeers.length === 1, "B's permission for A");
      for (let i = 0; i < 10; i++) baseA.send(Buffer.from(`p${i}`), baseB.port, baseB.address);
      await until(
        () => atA.length === 10,
        () =>
          `ten echoes (A got ${atA.length}, B got ${atB.length}, stats A ${JSON.stringify(baseA.client.stats)})`,
        10_000,
      );
      expect([...fromAtB]).toEqual([`${baseA.address}:${baseA.port}`]);
      expect(atA).not.toContain("dropped");
      expect(atB).toEqual(Array.from({ length: 10 }, (_, i) => `p${i}`));
      baseA.send(Buffer.from("x"), 1, "not-an-ip"); // never throws
      await Promise.all([baseA.close(), baseB.close()]);
      expect(baseA.closed).toBe(true);
    });
  });

  it("a refused credential is a candidate error with the status; aborting gathering closes a pending allocation", async () => {
    await withLeakCheck(async () => {
      const refused = context(new AbortController().signal);
      await new TurnRelayGatherer([{ ...config(), credential: "wrong" }]).gather(refused.ctx);
      expect(refused.candidates).toEqual([]);
      expect(refused.errors).toHaveLength(1);
      expect(refused.errors[0]).toMatchObject({
        errorCode: 401,
        url: `turn:${server().address}?transport=udp`,
      });

      const controller = new AbortController();
      const aborted = context(controller.signal);
      const gathering = new TurnRelayGatherer([config()]).gather(aborted.ctx);
      controller.abort();
      await gathering;
      expect(aborted.bases).toEqual([]);
      expect(aborted.errors).toEqual([]);
    });
  });
});
