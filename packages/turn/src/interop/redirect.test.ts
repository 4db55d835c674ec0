import { type CoturnServer, requireCoturn, startCoturn } from "@purertc/interop/coturn";
import { withLeakCheck } from "@purertc/socket/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TurnClient } from "../client.js";

const coturn = requireCoturn();

describe.skipIf(!coturn.available)("300 Try Alternate (coturn --alternate-server)", () => {
  let target: CoturnServer;
  let redirector: CoturnServer;
  beforeAll(async () => {
    target = await startCoturn({ mode: "turn", realm: "other.example.org" });
    redirector = await startCoturn({ mode: "turn", args: [`--alternate-server=${target.address}`] });
  });
  afterAll(async () => {
    await redirector?.close();
    await target?.close();
  });

  it("follows ALTERNATE-SERVER, authenticates afresh with the other server, and deallocates there", async () => {
    await withLeakCheck(async () => {
      const turn = new TurnClient({ server: redirector.address, username: "user", password: "pass" });
      const info = await turn.allocate();
      expect(turn.stats.redirects).toBe(1);
      expect(turn.server).toEqual({ address: "127.0.0.1", port: target.port });
      expect(info.relayed.address).toBe("127.0.0.1");
      await turn.close();
      expect(turn.transactionStats!.timedOut).toBe(0); // the deallocation went to the alternate, and was answered
    });
  });
});
