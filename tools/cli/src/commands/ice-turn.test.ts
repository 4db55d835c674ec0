import { type CoturnServer, requireCoturn, startCoturn } from "@purertc/interop/coturn";
import { startCli } from "@purertc/interop/json-child";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// `purertc ice --turn … --relay-only` (issue 6): two CLI agents that may use
// only relay candidates connect through coturn on loopback and echo a datagram.
const coturn = requireCoturn();

describe.runIf(coturn.available)("purertc ice --turn --relay-only (coturn)", () => {
  let server: CoturnServer;
  beforeAll(async () => {
    server = await startCoturn({ mode: "turn" });
  }, 30_000);
  afterAll(async () => {
    await server?.close();
  });

  it("two relay-only agents connect through coturn and echo a datagram", { timeout: 90_000 }, async () => {
    const turn = [
      "--turn",
      server.address,
      "--user",
      server.username,
      "--pass",
      server.password,
      "--relay-only",
    ];
    const a = startCli(["ice", "--controlling", "--loopback", ...turn, "--send", "via relay", "--json"]);
    const b = startCli(["ice", "--controlled", "--loopback", ...turn, "--json"]);
    try {
      const [la, lb] = await Promise.all([a.waitFor("local"), b.waitFor("local")]);
      for (const local of [la, lb]) {
        const candidates = local.candidates as string[];
        expect(candidates.length).toBeGreaterThan(0);
        // Only relayed addresses are announced, and they are coturn's.
        for (const c of candidates) expect(c).toMatch(/ typ relay raddr /);
      }
      a.send(lb);
      b.send(la);
      const [ca, cb] = await Promise.all([a.waitFor("connected"), b.waitFor("connected")]);
      expect(typeof ca.ms).toBe("number");
      expect(typeof cb.ms).toBe("number");
      expect((await b.waitFor("data")).text).toBe("via relay");
      expect((await a.waitFor("data")).text).toBe("via relay");
    } finally {
      expect(await Promise.all([a.stop(), b.stop()])).toEqual([0, 0]);
    }
  });

  it("refuses --relay-only without --turn, and --turn without credentials", { timeout: 30_000 }, async () => {
    const noTurn = startCli(["ice", "--controlling", "--relay-only", "--json"]);
    expect(await noTurn.exited).toBe(1);
    expect(noTurn.events[0]).toMatchObject({ event: "error" });
    expect(String(noTurn.events[0]?.message)).toContain("--relay-only needs --turn");
    const noUser = startCli(["ice", "--controlling", "--turn", server.address, "--json"]);
    expect(await noUser.exited).toBe(1);
    expect(String(noUser.events[0]?.message)).toContain("--turn needs --user");
  });
});
