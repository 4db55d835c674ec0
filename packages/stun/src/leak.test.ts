import { type LeakReport, SocketRegistry } from "@purertc/socket";
import { forceGc, withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { StunClient, StunError, StunServer, StunTransactionManager } from "./index.js";

async function rejection(p: Promise<unknown>): Promise<StunError> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(StunError);
    return error as StunError;
  }
  throw new Error("expected a rejection");
}

/** A bound socket that never answers: the peer that is gone. */
async function silentPeer() {
  const owner = {};
  const socket = await SocketRegistry.default.open(owner, { label: "test-silent", address: "127.0.0.1" });
  return { owner, socket, remote: { address: "127.0.0.1", port: socket.address().port } };
}

describe("leak check: every STUN object leaves no socket, timer or handle", () => {
  it("a completed transaction (client + server)", async () => {
    await withLeakCheck(async () => {
      const server = await StunServer.listen();
      const client = await StunClient.open();
      const result = await client.binding({ address: "127.0.0.1", port: server.address().port });
      expect(result.mapped.port).toBe(client.local.port);
      await client.close();
      await server.close();
    });
  });

  it("an aborted transaction", async () => {
    await withLeakCheck(async () => {
      const peer = await silentPeer();
      await using client = await StunClient.open();
      const controller = new AbortController();
      const p = client.binding(peer.remote, { signal: controller.signal });
      await new Promise((r) => setTimeout(r, 20));
      controller.abort();
      expect((await rejection(p)).code).toBe("ERR_ABORTED");
      await peer.socket.close();
    });
  });

  it("a timed-out transaction (small RTO)", async () => {
    await withLeakCheck(async () => {
      const peer = await silentPeer();
      await using client = await StunClient.open({ rto: 10, rc: 3, rm: 2 });
      const error = await rejection(client.binding(peer.remote));
      expect(error.code).toBe("ERR_TIMEOUT");
      expect(client.stats).toMatchObject({ sent: 3, retransmissions: 2, timedOut: 1 });
      expect(peer.socket.stats.packetsIn).toBeGreaterThanOrEqual(1);
      await peer.socket.close();
    });
  });

  it("a client closed mid-transaction, and a server whose peer goes away", async () => {
    await withLeakCheck(async () => {
      const server = await StunServer.listen();
      const client = await StunClient.open({ rto: 10, rc: 3, rm: 2 });
      const port = server.address().port;
      await client.binding({ address: "127.0.0.1", port });
      await server.close(); // peer gone: the next transaction times out
      expect((await rejection(client.binding({ address: "127.0.0.1", port }))).code).toBe("ERR_TIMEOUT");
      const peer = await silentPeer();
      const pending = client.binding(peer.remote);
      await client.close();
      expect((await rejection(pending)).code).toBe("ERR_CLOSED");
      await peer.socket.close();
    });
  });

  it("a server that served requests, closed by its parent signal", async () => {
    await withLeakCheck(async () => {
      const parent = new AbortController();
      const server = await StunServer.listen({ signal: parent.signal });
      await using client = await StunClient.open({ signal: parent.signal });
      for (let i = 0; i < 5; i++) await client.binding({ address: "127.0.0.1", port: server.address().port });
      expect(server.stats.successResponses).toBe(5);
      parent.abort();
      await server.close();
      expect(client.closed).toBe(true);
    });
  });

  it("a transaction manager with pending transactions, closed", async () => {
    await withLeakCheck(async () => {
      const manager = new StunTransactionManager({ send: () => {} });
      const { StunMessageBuilder, StunMethod, StunClass } = await import("./index.js");
      const p = manager.request(new StunMessageBuilder(StunMethod.Binding, StunClass.Request).encode(), {
        address: "127.0.0.1",
        port: 9,
      });
      manager.close();
      expect((await rejection(p)).code).toBe("ERR_CLOSED");
    });
  });

  it("a client and a server forgotten without close() are reported by the registry", async () => {
    const registry = new SocketRegistry();
    const leaks: LeakReport[] = [];
    registry.on("leak", (r) => leaks.push(r));
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      await (async () => {
        const server = await StunServer.listen({ registry });
        const client = await StunClient.open({ registry });
        await client.binding({ address: "127.0.0.1", port: server.address().port });
      })();
      for (let i = 0; i < 20 && leaks.length < 2; i++) await forceGc(2);
      expect(leaks.map((l) => l.label).sort()).toEqual(["stun-client", "stun-server"]);
      expect(registry.size).toBe(0);
      await new Promise((r) => setTimeout(r, 10));
      expect(warnings.some((w) => /stun-client/.test(w.message))).toBe(true);
    } finally {
      process.off("warning", onWarning);
      await registry.close();
    }
  });

  it("closed clients and servers are garbage-collected (nothing keeps them alive)", async () => {
    let clientRef: WeakRef<object> | undefined;
    let serverRef: WeakRef<object> | undefined;
    await (async () => {
      const server = await StunServer.listen();
      const client = await StunClient.open();
      await client.binding({ address: "127.0.0.1", port: server.address().port });
      await client.close();
      await server.close();
      clientRef = new WeakRef(client);
      serverRef = new WeakRef(server);
    })();
    expect(await forceGc(5)).toBe(true);
    expect(clientRef!.deref()).toBeUndefined();
    expect(serverRef!.deref()).toBeUndefined();
  });
});
