import { createServer } from "node:net";
import { requireCoturn, startCoturn } from "@purertc/interop/coturn";
import { SocketRegistry } from "@purertc/socket";
import { TEST_OWNER, withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { TurnClient } from "../client.js";
import type { TurnError } from "../errors.js";
import { coturnPerSuite, until } from "./coturn.test-helper.js";

const coturn = requireCoturn();

describe.skipIf(!coturn.available)("TURN over TCP to coturn (UDP relay)", () => {
  const server = coturnPerSuite({ mode: "turn" });

  it("allocates over a TCP connection, relays with Send indications and padded ChannelData, deallocates", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(async () => {
      await using peer = await registry.open(TEST_OWNER, { label: "peer", address: "127.0.0.1" });
      peer.on("message", (data, from) => peer.send(data, from.port, from.address));
      const turn = new TurnClient({
        server: `turn:${server().address}?transport=tcp`,
        username: server().username,
        password: server().password,
      });
      const info = await turn.allocate();
      expect(turn.transport).toBe("tcp");
      expect(info.relayed.address).toBe("127.0.0.1");
      expect(info.mapped?.port).toBe(turn.localAddress!.port);
      const got: string[] = [];
      turn.on("message", (data) => got.push(Buffer.from(data).toString()));
      // Odd sizes, so that the ChannelData padding is exercised both ways.
      const sizes = [1, 2, 3, 5, 7, 300, 1201];
      for (const [i, size] of sizes.entries()) {
        turn.sendTo(Buffer.alloc(size, 97 + i), peer.address().port, "127.0.0.1");
        await until(() => got.length === i + 1, `echo ${i}`);
        expect(got[i]).toBe(String.fromCharCode(97 + i).repeat(size));
        if (i === 0) await until(() => turn.boundChannels[0]?.state === "bound", "the channel");
      }
      expect(turn.stats.channelDataOut).toBe(sizes.length - 1);
      expect(turn.stats.channelDataIn).toBeGreaterThanOrEqual(sizes.length - 1);
      expect(turn.stats.malformed).toBe(0);
      await turn.close();
      expect(turn.transactionStats!.timedOut).toBe(0);
      expect(turn.transactionStats!.retransmissions).toBe(0); // a reliable transport is not retransmitted on
    });
    await registry.close();
  });
});

describe.skipIf(!coturn.available)("TURN over TCP when the server goes away", () => {
  it("a lost connection fails the allocation at once; close() then releases everything", async () => {
    const server = await startCoturn({ mode: "turn" });
    try {
      await withLeakCheck(async () => {
        const turn = new TurnClient({
          server: `turn:${server.address}?transport=tcp`,
          username: server.username,
          password: server.password,
        });
        await turn.allocate();
        await server.close(); // coturn exits: the connection is closed under the client
        await until(() => turn.state === "failed", "the failed state");
        expect(turn.error?.message).toMatch(/lost/);
        expect(turn.sendTo(Buffer.from("x"), 9, "127.0.0.1")).toBe(false);
        const started = performance.now();
        await turn.close();
        expect(performance.now() - started).toBeLessThan(5000);
        expect(turn.state).toBe("closed");
      });
    } finally {
      await server.close();
    }
  });
});

describe("TURN over TCP with nobody listening", () => {
  it("a refused connection rejects allocate() and leaves nothing open", async () => {
    await withLeakCheck(async () => {
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", () => resolve()));
      const { port } = probe.address() as { port: number };
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      const turn = new TurnClient({
        server: `127.0.0.1:${port}`,
        transport: "tcp",
        username: "u",
        password: "p",
      });
      const error = (await turn.allocate().catch((e: unknown) => e)) as TurnError;
      expect(error.code).toBe("ERR_CONNECT");
      expect(error.message).toMatch(/ECONNREFUSED/);
      expect(turn.state).toBe("closed");
    });
  });
});
