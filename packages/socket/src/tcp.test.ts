import net from "node:net";
import { describe, expect, it } from "vitest";
import { type ManagedConnection, SocketError, SocketRegistry } from "./index.js";
import { forceGc, takeSnapshot, withLeakCheck } from "./testing/index.js";

function until(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = performance.now() + ms;
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (check()) resolve();
      else if (performance.now() > deadline) reject(new Error("condition not met in time"));
      else setTimeout(poll, 5);
    };
    poll();
  });
}

function nextConnection(server: import("./index.js").ManagedServer): Promise<ManagedConnection> {
  return new Promise((resolve) => server.once("connection", resolve));
}

describe("SocketRegistry TCP", () => {
  it("listens, connects, carries bytes both ways, lists and closes with nothing left", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(
      async () => {
        const owner = {};
        const server = await registry.listen(owner, { label: "srv", address: "127.0.0.1" });
        expect(server.type).toBe("tcp4");
        const accepted = nextConnection(server);
        const client = await registry.connect(owner, {
          label: "cli",
          address: "127.0.0.1",
          port: server.address().port,
        });
        const peer = await accepted;
        expect(registry.size).toBe(3);
        expect(server.connections).toBe(1);
        expect(peer.label).toBe("srv/accepted");
        expect(peer.remotePort).toBe(client.address().port);
        const got = new Promise<Buffer>((resolve) => peer.once("data", resolve));
        expect(client.write(Buffer.from("ping"))).toBe(true);
        expect((await got).toString()).toBe("ping");
        const back = new Promise<Buffer>((resolve) => client.once("data", resolve));
        peer.write(Buffer.from("pong"));
        expect((await back).toString()).toBe("pong");
        const cli = registry.list().find((s) => s.label === "cli");
        expect(cli?.type).toBe("tcp4");
        expect(cli?.remote).toBe(`127.0.0.1:${server.address().port}`);
        expect(cli?.stats.bytesOut).toBe(4);
        expect(registry.report()).toContain(" -> 127.0.0.1:");
        await client.close();
        await client.close();
        expect(client.write(Buffer.from("late"))).toBe(false);
        await until(() => peer.closed);
        await server.close();
        expect(registry.size).toBe(0);
      },
      { registry },
    );
  });

  it("closing the server closes the connections it accepted (the peer sees the end)", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(
      async () => {
        const server = await registry.listen({}, { label: "srv", address: "127.0.0.1" });
        const accepted = nextConnection(server);
        await using client = await registry.connect(
          {},
          {
            label: "cli",
            address: "127.0.0.1",
            port: server.address().port,
          },
        );
        const peer = await accepted;
        let peerClosed = 0;
        peer.on("close", () => peerClosed++);
        const clientClosed = new Promise<void>((resolve) => client.once("close", resolve));
        await server.close();
        await server.close();
        expect(peer.closed).toBe(true);
        expect(peerClosed).toBe(1);
        await clientClosed;
        expect(client.closed).toBe(true);
      },
      { registry },
    );
  });

  it("a connection the peer resets leaves the registry by itself; the process does not crash", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(
      async () => {
        await using server = await registry.listen({}, { label: "srv", address: "127.0.0.1" });
        const accepted = nextConnection(server);
        // A raw peer outside the registry, so it can reset.
        const raw = net.connect({ host: "127.0.0.1", port: server.address().port });
        await new Promise((resolve) => raw.once("connect", resolve));
        const peer = await accepted;
        const errors: string[] = [];
        peer.on("error", (e) => errors.push((e as NodeJS.ErrnoException).code ?? e.message));
        raw.resetAndDestroy();
        await until(() => peer.closed);
        expect(errors).toEqual(["ECONNRESET"]);
        expect(registry.size).toBe(1);
        expect(server.connections).toBe(0);
      },
      { registry },
    );
  });

  it("refused, aborted and closed-registry connects reject with typed errors and leave nothing", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(
      async () => {
        const free = await registry.listen({}, { label: "tmp", address: "127.0.0.1" });
        const port = free.address().port;
        await free.close();
        const refused = await registry
          .connect({}, { label: "refused", address: "127.0.0.1", port })
          .catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(SocketError);
        expect((refused as SocketError).code).toBe("ERR_CONNECT");
        expect((refused as SocketError).message).toContain("refused");
        // Aborted while connecting.
        await using server = await registry.listen({}, { label: "srv", address: "127.0.0.1" });
        const controller = new AbortController();
        const connecting = registry.connect(
          {},
          {
            label: "aborted",
            address: "127.0.0.1",
            port: server.address().port,
            signal: controller.signal,
          },
        );
        controller.abort();
        await expect(connecting).rejects.toMatchObject({ code: "ERR_ABORTED" });
        await expect(
          registry.connect({}, { label: "name", address: "localhost", port: 1 }),
        ).rejects.toMatchObject({ code: "ERR_CONNECT" });
        const taken = await registry
          .listen({}, { label: "taken", address: "127.0.0.1", port: server.address().port })
          .catch((e: unknown) => e);
        expect((taken as SocketError).code).toBe("ERR_BIND");
      },
      { registry },
    );
    await registry.close();
    await expect(registry.listen({}, { label: "late" })).rejects.toMatchObject({
      code: "ERR_REGISTRY_CLOSED",
    });
  });

  it("closing the registry closes listeners and connections in every state", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(
      async () => {
        const server = await registry.listen({}, { label: "srv", address: "::1" });
        expect(server.type).toBe("tcp6");
        const accepted = nextConnection(server);
        const client = await registry.connect(
          {},
          { label: "cli", address: "::1", port: server.address().port },
        );
        const peer = await accepted;
        await registry.close();
        expect([server.closed, client.closed, peer.closed]).toEqual([true, true, true]);
        expect(registry.size).toBe(0);
      },
      { registry },
    );
  });

  it("maxConnections refuses connections beyond the bound", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(
      async () => {
        await using server = await registry.listen(
          {},
          {
            label: "srv",
            address: "127.0.0.1",
            maxConnections: 1,
          },
        );
        const taken: ManagedConnection[] = [];
        server.on("connection", (c) => taken.push(c));
        const port = server.address().port;
        await using a = await registry.connect({}, { label: "a", address: "127.0.0.1", port });
        await until(() => taken.length === 1);
        await using b = await registry.connect({}, { label: "b", address: "127.0.0.1", port });
        await until(() => b.closed);
        expect(server.stats.errors).toBe(1);
        expect(a.closed).toBe(false);
        expect(taken.length).toBe(1);
      },
      { registry },
    );
  });

  it("closes and reports a connection and a server whose owners were collected without close", async () => {
    const registry = new SocketRegistry();
    const leaks: string[] = [];
    registry.on("leak", (r) => leaks.push(r.label));
    const onWarning = () => {};
    process.on("warning", onWarning);
    const baseline = takeSnapshot(registry);
    await (async () => {
      const owner = { server: undefined as unknown, client: undefined as unknown };
      const server = await registry.listen(owner, { label: "forgotten-server", address: "127.0.0.1" });
      server.on("connection", (c) => c.on("data", () => owner));
      owner.server = server;
      const client = await registry.connect(owner, {
        label: "forgotten-client",
        address: "127.0.0.1",
        port: server.address().port,
      });
      client.on("data", () => owner);
      owner.client = client;
      await until(() => server.connections === 1);
    })();
    for (let i = 0; i < 20 && registry.size > 0; i++) await forceGc();
    process.off("warning", onWarning);
    expect(registry.size).toBe(0);
    // The accepted connection was dropped too: it is reported unless the server's release came first.
    expect(leaks).toContain("forgotten-client");
    expect(leaks).toContain("forgotten-server");
    expect(leaks.every((l) => l.startsWith("forgotten-"))).toBe(true);
    const { expectBackToBaseline } = await import("./testing/index.js");
    await expectBackToBaseline(baseline, { registry });
  });
});
