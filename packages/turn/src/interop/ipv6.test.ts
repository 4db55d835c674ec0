import { requireCoturn } from "@purertc/interop/coturn";
import { SocketRegistry } from "@purertc/socket";
import { TEST_OWNER, withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { TurnClient } from "../client.js";
import { coturnPerSuite } from "./coturn.test-helper.js";

const coturn = requireCoturn();

describe.skipIf(!coturn.available)("TURN over IPv6 (coturn on ::1)", () => {
  const server = coturnPerSuite({ mode: "turn", host: "::1" });

  it("allocates an IPv6 relayed address and relays both ways to a ::1 peer over a channel", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(async () => {
      await using peer = await registry.open(TEST_OWNER, { label: "peer6", type: "udp6", address: "::1" });
      await using turn = new TurnClient({
        server: server().address,
        username: server().username,
        password: server().password,
        relayFamily: "IPv6",
      });
      const { relayed, mapped } = await turn.allocate();
      expect(relayed.family).toBe("IPv6");
      expect(relayed.address).toBe("::1");
      expect(mapped?.address).toBe("::1");
      peer.on("message", (data, from) => peer.send(data, from.port, from.address));
      const got: string[] = [];
      turn.on("message", (data, from) => {
        expect(from).toEqual({ address: "::1", port: peer.address().port });
        got.push(Buffer.from(data).toString());
      });
      for (let i = 0; i < 5; i++) {
        turn.sendTo(Buffer.from(`v6-${i}`), peer.address().port, "::1");
        for (let k = 0; k < 400 && got.length <= i; k++) await new Promise((r) => setTimeout(r, 5));
      }
      expect(got).toEqual(["v6-0", "v6-1", "v6-2", "v6-3", "v6-4"]);
      expect(turn.boundChannels[0]?.key).toBe(`[::1]:${peer.address().port}`);
    });
    await registry.close();
  });
});
