import { requireCoturn } from "@purertc/interop/coturn";
import { SocketRegistry } from "@purertc/socket";
import { TEST_OWNER, withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { TurnClient } from "../client.js";
import type { TurnError } from "../errors.js";
import { coturnPerSuite } from "./coturn.test-helper.js";

const coturn = requireCoturn();

describe.skipIf(!coturn.available)("TURN over TLS (turns:) to coturn, UDP relay", () => {
  const server = coturnPerSuite({ mode: "turn", tls: true });

  it("allocates over TLS with the server's certificate trusted, relays, deallocates", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(async () => {
      await using peer = await registry.open(TEST_OWNER, { label: "peer", address: "127.0.0.1" });
      peer.on("message", (data, from) => peer.send(data, from.port, from.address));
      const turn = new TurnClient({
        server: `turns:127.0.0.1:${server().tlsPort}`,
        username: server().username,
        password: server().password,
        tls: { ca: server().certificatePem },
      });
      const info = await turn.allocate();
      expect(turn.transport).toBe("tls");
      expect(info.relayed.address).toBe("127.0.0.1");
      const got: string[] = [];
      turn.on("message", (data) => got.push(Buffer.from(data).toString()));
      for (let i = 0; i < 5; i++) {
        turn.sendTo(Buffer.from(`tls-${i}`.repeat(i + 1)), peer.address().port, "127.0.0.1");
        for (let k = 0; k < 400 && got.length <= i; k++) await new Promise((r) => setTimeout(r, 5));
      }
      expect(got).toEqual([0, 1, 2, 3, 4].map((i) => `tls-${i}`.repeat(i + 1)));
      await turn.close();
      expect(turn.transactionStats!.timedOut).toBe(0);
    });
    await registry.close();
  });

  it("refuses a server whose certificate it cannot verify (security default), nothing left", async () => {
    await withLeakCheck(async () => {
      const turn = new TurnClient({
        server: `turns:127.0.0.1:${server().tlsPort}`,
        username: server().username,
        password: server().password,
      });
      const error = (await turn.allocate().catch((e: unknown) => e)) as TurnError;
      expect(error.code).toBe("ERR_CONNECT");
      expect(error.message).toMatch(/self[- ]signed/i);
      expect(turn.state).toBe("closed");
    });
  });
});
