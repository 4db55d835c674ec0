import { requireCoturn, startCoturn } from "@purertc/interop/coturn";
import { SocketRegistry } from "@purertc/socket";
import { TEST_OWNER, withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { TurnClient } from "../client.js";
import { TurnError } from "../errors.js";
import { coturnPerSuite, until } from "./coturn.test-helper.js";

const coturn = requireCoturn();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!coturn.available)("TURN client lifecycle against coturn", () => {
  // Short lifetimes and nonces, so refreshes and 438 Stale Nonce happen within seconds.
  const server = coturnPerSuite({
    mode: "turn",
    staleNonceSeconds: 2,
    permissionLifetimeSeconds: 3,
    channelLifetimeSeconds: 4,
  });

  it("keeps allocation, permission and channel alive past their server lifetimes, through 438 Stale Nonce", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(async () => {
      await using peer = await registry.open(TEST_OWNER, { label: "peer", address: "127.0.0.1" });
      await using turn = new TurnClient({
        server: server().address,
        username: server().username,
        password: server().password,
        timing: { permissionRefreshMs: 1000, channelRefreshMs: 1500, refreshAfterMs: 2500, retryMs: 500 },
      });
      const info = await turn.allocate();
      // coturn grants no less than 600 s, so refreshes are forced every 2.5 s here.
      expect(info.lifetime).toBe(600);
      const atPeer: string[] = [];
      peer.on("message", (d) => atPeer.push(d.toString()));
      const atClient: string[] = [];
      turn.on("message", (d) => atClient.push(Buffer.from(d).toString()));
      const peerPort = peer.address().port;
      turn.sendTo(Buffer.from("hello"), peerPort, "127.0.0.1");
      await until(() => atPeer.length === 1, "first datagram");
      await until(() => turn.boundChannels[0]?.state === "bound", "channel");

      // Past the permission (3 s) and channel (4 s) lifetimes and the 2 s nonce.
      await sleep(7000);
      expect(turn.state).toBe("allocated");
      expect(turn.stats.refreshes).toBeGreaterThanOrEqual(2);
      expect(turn.stats.staleNonces).toBeGreaterThanOrEqual(1);
      // Every 1 s and 1.5 s over 7 s, answered with success by coturn (through 438s).
      expect(turn.stats.permissionRequests).toBeGreaterThanOrEqual(4);
      expect(turn.stats.channelBinds).toBeGreaterThanOrEqual(3);
      // The peer's datagram passes the server only with a live permission; ChannelData needs a live channel.
      peer.send(Buffer.from("still-there"), info.relayed.port, info.relayed.address);
      await until(() => atClient.includes("still-there"), "datagram from the peer after the lifetimes");
      turn.sendTo(Buffer.from("late"), peerPort, "127.0.0.1");
      await until(() => atPeer.includes("late"), "ChannelData after the lifetimes");
      expect(turn.boundChannels[0]!.state).toBe("bound");
      expect(turn.stats.channelDataOut).toBeGreaterThanOrEqual(1);
      expect(turn.stats.unauthenticated).toBe(0);
    });
    await registry.close();
  }, 30_000);
});

describe.skipIf(!coturn.available)("TURN client teardown (leak check)", () => {
  const server = coturnPerSuite({ mode: "turn" });
  const options = () => ({
    server: server().address,
    username: server().username,
    password: server().password,
  });

  it("close during allocation: allocate() rejects ERR_CLOSED, nothing left", async () => {
    await withLeakCheck(async () => {
      const turn = new TurnClient(options());
      const pending = turn.allocate();
      const closed = turn.close();
      const error = await pending.catch((e: unknown) => e);
      await closed;
      expect((error as TurnError).code).toBe("ERR_CLOSED");
      expect(turn.state).toBe("closed");
    });
  });

  it("a state listener that calls close() again while closing does not cut the deallocation short", async () => {
    await withLeakCheck(async () => {
      const turn = new TurnClient(options());
      await turn.allocate();
      let again: Promise<void> | undefined;
      turn.on("state", (s) => {
        if (s === "closing") again = turn.close();
      });
      const first = turn.close();
      expect(again).toBe(first);
      await first;
      expect(turn.transactionStats!.aborted).toBe(0);
      expect(turn.transactionStats!.timedOut).toBe(0);
    });
  });

  it("close during the 401 retry: allocate() rejects ERR_CLOSED, nothing left", async () => {
    await withLeakCheck(async () => {
      const turn = new TurnClient(options());
      let closing: Promise<void> | undefined;
      turn.on("state", (s) => {
        if (s === "authenticating") closing = turn.close();
      });
      const error = await turn.allocate().catch((e: unknown) => e);
      expect(closing).toBeDefined();
      await closing;
      expect(error).toBeInstanceOf(TurnError);
      expect((error as TurnError).code).toBe("ERR_CLOSED");
    });
  });

  it("close with channels bound and permissions installed: deallocates, cancels refresh timers", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(async () => {
      const peers = await Promise.all(
        [0, 1, 2].map(() => registry.open(TEST_OWNER, { label: "peer", address: "127.0.0.1" })),
      );
      const turn = new TurnClient(options());
      await turn.allocate();
      await Promise.all(peers.map((p) => turn.bindChannel(p.address().port, "127.0.0.1")));
      expect(turn.boundChannels.map((c) => c.state)).toEqual(["bound", "bound", "bound"]);
      for (const p of peers) turn.sendTo(Buffer.from("x"), p.address().port, "127.0.0.1");
      await turn.close();
      expect(turn.transactionStats!.timedOut).toBe(0);
      expect(turn.boundChannels).toEqual([]);
      // After close, sending is a counted drop, not a throw.
      expect(turn.sendTo(Buffer.from("x"), 9, "127.0.0.1")).toBe(false);
      await expect(turn.bindChannel(9, "127.0.0.1")).rejects.toMatchObject({ code: "ERR_CLOSED" });
      await Promise.all(peers.map((p) => p.close()));
    });
    await registry.close();
  });

  it("a closed client is garbage-collected (nothing holds it)", async () => {
    const ref = await (async () => {
      const turn = new TurnClient(options());
      await turn.allocate();
      turn.on("message", () => {});
      await turn.close();
      return new WeakRef(turn);
    })();
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc).toBeDefined();
    // deref() keeps its target alive until the end of the current job: collect in a later job.
    let collected = false;
    for (let i = 0; i < 20 && !collected; i++) {
      await sleep(10);
      gc!();
      await sleep(10);
      collected = ref.deref() === undefined;
    }
    expect(collected).toBe(true);
  });
});

describe.skipIf(!coturn.available)("TURN client with the server gone silent", () => {
  it("close() waits at most closeTimeoutMs for the deallocation, then releases everything", async () => {
    const server = await startCoturn({ mode: "turn" });
    try {
      await withLeakCheck(async () => {
        const turn = new TurnClient({
          server: server.address,
          username: server.username,
          password: server.password,
          closeTimeoutMs: 300,
        });
        await turn.allocate();
        server.pause();
        const started = performance.now();
        await turn.close();
        const took = performance.now() - started;
        // The deallocation went unanswered and was given up (aborted by the bound), not timed out after 39.5 s.
        const stats = turn.transactionStats!;
        expect(stats.aborted, `took ${took} ms, ${JSON.stringify(stats)}`).toBe(1);
        expect(stats.succeeded).toBe(1); // the signed Allocate only (the unsigned one got the 401)
        expect(took).toBeLessThan(10_000);
        expect(turn.state).toBe("closed");
      });
    } finally {
      server.resume();
      await server.close();
    }
  });

  it("allocate() against a silent server times out with ERR_TIMEOUT (short RTO), nothing left", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(async () => {
      // A bound socket that never answers.
      await using silent = await registry.open(TEST_OWNER, { label: "silent", address: "127.0.0.1" });
      const turn = new TurnClient({
        server: `127.0.0.1:${silent.address().port}`,
        username: "u",
        password: "p",
        rto: 20,
        rc: 3,
      });
      const error = await turn.allocate().catch((e: unknown) => e);
      expect((error as TurnError).code).toBe("ERR_TIMEOUT");
      expect(turn.state).toBe("closed");
      expect(silent.stats.packetsIn).toBe(3);
    });
    await registry.close();
  });
});
