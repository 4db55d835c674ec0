import { describe, expect, it } from "vitest";
import { SocketError, SocketRegistry, UdpTransport } from "./index.js";
import { forceGc, takeSnapshot, withLeakCheck } from "./testing/index.js";

function nextMessage(socket: import("./index.js").ManagedSocket): Promise<Buffer> {
  return new Promise((resolve) => socket.once("message", (data) => resolve(data)));
}

describe("SocketRegistry", () => {
  it("opens, exchanges datagrams, reports and closes with nothing left", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(
      async () => {
        const owner = {};
        const a = await registry.open(owner, { label: "test-a", address: "127.0.0.1" });
        const b = await registry.open(owner, { label: "test-b", address: "127.0.0.1" });
        expect(registry.size).toBe(2);
        const got = nextMessage(b);
        a.send(new TextEncoder().encode("ping"), b.address().port, "127.0.0.1");
        expect((await got).toString()).toBe("ping");
        const [infoA] = registry.list();
        expect(infoA?.label).toBe("test-a");
        expect(infoA?.local).toBe(`127.0.0.1:${a.address().port}`);
        expect(infoA?.stats.packetsOut).toBe(1);
        expect(registry.list()[1]?.stats.bytesIn).toBe(4);
        expect(registry.report()).toContain("2 socket(s) open");
        await a.close();
        await a.close(); // idempotent
        await b.close();
        expect(registry.size).toBe(0);
        expect(registry.report()).toBe("socket registry: no socket open");
      },
      { registry },
    );
  });

  it("records no opener stack unless asked, and says how to turn it on", async () => {
    const registry = new SocketRegistry();
    const previous = process.env.PURERTC_SOCKET_STACKS;
    try {
      delete process.env.PURERTC_SOCKET_STACKS;
      expect(new SocketRegistry().captureStacks).toBe(false);
      process.env.PURERTC_SOCKET_STACKS = "1";
      expect(new SocketRegistry().captureStacks).toBe(true);
      process.env.PURERTC_SOCKET_STACKS = "0";
      expect(new SocketRegistry().captureStacks).toBe(false);
      registry.captureStacks = false;
      const owner = {};
      const udp = await registry.open(owner, { label: "no-stack-udp", address: "127.0.0.1" });
      const server = await registry.listen(owner, { label: "no-stack-tcp", address: "127.0.0.1" });
      for (const info of registry.list()) {
        expect(info.stack).toContain("PURERTC_SOCKET_STACKS=1");
        expect(info.stack).not.toMatch(/registry\.test\.ts/);
      }
      await Promise.all([udp.close(), server.close()]);
      // The leak check records them for the registry it watches.
      await withLeakCheck(
        async () => {
          await using s = await registry.open(owner, { label: "checked", address: "127.0.0.1" });
          expect(registry.list()[0]?.stack).toMatch(/registry\.test\.ts/);
          expect(s.closed).toBe(false);
        },
        { registry },
      );
      expect(registry.captureStacks).toBe(true);
    } finally {
      if (previous === undefined) delete process.env.PURERTC_SOCKET_STACKS;
      else process.env.PURERTC_SOCKET_STACKS = previous;
      await registry.close();
    }
  });

  it("records where each socket was opened: the opener's frames, not the registry's, at most 8", async () => {
    const registry = new SocketRegistry();
    registry.captureStacks = true;
    const limit = Error.stackTraceLimit;
    try {
      const owner = {};
      const openedHere = () => registry.open(owner, { label: "stack-udp", address: "127.0.0.1" });
      const udp = await openedHere();
      const server = await registry.listen(owner, { label: "stack-tcp", address: "127.0.0.1" });
      for (const info of registry.list()) {
        const frames = info.stack.split("\n");
        expect(frames[0]).toMatch(/^ {4}at .*registry\.test\.ts:\d+:\d+\)?$/);
        expect(info.stack).not.toMatch(/registry\.ts|Error/);
        expect(frames.length).toBeLessThanOrEqual(8);
      }
      expect(registry.list()[0]?.stack.split("\n")[0]).toContain("openedHere");
      // A process that keeps shorter stacks keeps them here too; the limit is restored.
      Error.stackTraceLimit = 2;
      const short = await registry.open(owner, { label: "stack-short", address: "127.0.0.1" });
      expect(registry.list()[2]?.stack.split("\n").length).toBe(2);
      expect(Error.stackTraceLimit).toBe(2);
      await Promise.all([udp.close(), server.close(), short.close()]);
    } finally {
      Error.stackTraceLimit = limit;
      await registry.close();
    }
  });

  it("supports await using and udp6", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(
      async () => {
        await using s = await registry.open({}, { label: "v6", type: "udp6", address: "::1" });
        expect(registry.list()[0]?.local).toMatch(/^\[::1\]:\d+$/);
        expect(s.type).toBe("udp6");
      },
      { registry },
    );
    expect(registry.size).toBe(0);
  });

  it("rejects a bind conflict with ERR_BIND and leaves nothing open", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(
      async () => {
        await using a = await registry.open({}, { label: "first", address: "127.0.0.1" });
        const error = await registry
          .open({}, { label: "second", address: "127.0.0.1", port: a.address().port })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(SocketError);
        expect((error as SocketError).code).toBe("ERR_BIND");
        expect((error as SocketError).message).toContain("second");
      },
      { registry },
    );
  });

  it("rejects an aborted open with ERR_ABORTED", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(
      async () => {
        const error = await registry
          .open({}, { label: "x", signal: AbortSignal.abort() })
          .catch((e: unknown) => e);
        expect((error as SocketError).code).toBe("ERR_ABORTED");
      },
      { registry },
    );
  });

  it("closing the registry closes all it holds and refuses new sockets", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(
      async () => {
        const owner = {};
        const s = await registry.open(owner, { label: "a", address: "127.0.0.1" });
        await registry.open(owner, { label: "b", address: "127.0.0.1" });
        await registry.close();
        await registry.close();
        expect(registry.size).toBe(0);
        expect(s.closed).toBe(true);
        expect(() => s.send(new Uint8Array(1), 9, "127.0.0.1")).toThrow(SocketError);
        await expect(registry.open({}, { label: "late" })).rejects.toMatchObject({
          code: "ERR_REGISTRY_CLOSED",
        });
      },
      { registry },
    );
  });

  it("a throwing message handler or a failed send never crashes; errors are counted", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(
      async () => {
        await using a = await registry.open({}, { label: "a", address: "127.0.0.1" });
        await using b = await registry.open({}, { label: "b", address: "127.0.0.1" });
        b.on("message", () => {
          throw new Error("handler bug");
        });
        const errors: Error[] = [];
        b.on("error", (e) => errors.push(e));
        a.send(new Uint8Array([1]), b.address().port, "127.0.0.1");
        a.send(new Uint8Array([1]), 0, "127.0.0.1"); // invalid port: dgram throws synchronously
        await new Promise((r) => setTimeout(r, 50));
        expect(errors.map((e) => e.message)).toEqual(["handler bug"]);
        expect(a.stats.errors).toBe(1);
      },
      { registry },
    );
  });

  it("sends to IP literals at once (no lookup tick) and still resolves names", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(
      async () => {
        await using b = await registry.open({}, { label: "b", address: "127.0.0.1" });
        const got: number[] = [];
        b.on("message", (d) => got.push(d[0]!));
        // Sent before send() returns: a close in the same tick no longer drops it (with
        // dgram's own dns.lookup the datagram waited a tick and died with the socket).
        const a = await registry.open({}, { label: "a", address: "127.0.0.1" });
        a.send(new Uint8Array([1]), b.address().port, "127.0.0.1");
        const closing = a.close();
        // Names still resolve (through dns.lookup).
        await using c = await registry.open({}, { label: "c", address: "127.0.0.1" });
        let completed = 0;
        c.send(new Uint8Array([2]), b.address().port, "localhost", () => completed++);
        await closing;
        const deadline = Date.now() + 2000;
        while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        expect(got.sort()).toEqual([1, 2]);
        expect(completed).toBe(1);
        expect(a.stats.errors + c.stats.errors).toBe(0);
      },
      { registry },
    );
  });

  it.each([
    [true, "registry.test.ts"],
    [false, "PURERTC_SOCKET_STACKS=1"],
  ])(
    "closes and reports a socket whose owner was collected without dispose (stacks %s)",
    async (capture, where) => {
      const registry = new SocketRegistry();
      registry.captureStacks = capture;
      const leaks: string[] = [];
      registry.on("leak", (r) => leaks.push(r.label));
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(w.message);
      process.on("warning", onWarning);
      const baseline = takeSnapshot(registry);
      const ownerRef = await (async () => {
        class Owner {
          socket: import("./index.js").ManagedSocket | undefined;
        }
        const owner = new Owner();
        owner.socket = await registry.open(owner, { label: "forgotten-owner", address: "127.0.0.1" });
        // The owner listens on its socket, as real owners do: the registry must
        // still not keep it alive through that listener.
        owner.socket.on("message", () => owner);
        return new WeakRef(owner);
      })();
      expect(registry.size).toBe(1);
      for (let i = 0; i < 20 && registry.size > 0; i++) await forceGc();
      expect(ownerRef.deref()).toBeUndefined();
      expect(registry.size).toBe(0);
      expect(leaks).toEqual(["forgotten-owner"]);
      await new Promise((r) => setTimeout(r, 20));
      process.off("warning", onWarning);
      expect(warnings.some((w) => w.includes("forgotten-owner") && w.includes(where))).toBe(true);
      const { expectBackToBaseline } = await import("./testing/index.js");
      await expectBackToBaseline(baseline, { registry });
    },
  );

  it("the leak check fails, with a readable diff, when something is left open", async () => {
    const registry = new SocketRegistry();
    const owner = {};
    let left: import("./index.js").ManagedSocket | undefined;
    let timer: NodeJS.Timeout | undefined;
    const error = await withLeakCheck(
      async () => {
        left = await registry.open(owner, { label: "left-open", address: "127.0.0.1" });
        timer = setTimeout(() => {}, 60_000);
      },
      { registry, timeoutMs: 100 },
    ).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('"left-open"');
    expect((error as Error).message).toContain("UDPWrap");
    expect((error as Error).message).toContain("Timeout");
    clearTimeout(timer);
    await left?.close();
  });
});

describe("UdpTransport", () => {
  it("carries datagrams to one remote, ignores others, closes its socket", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(
      async () => {
        const owner = {};
        const a = await registry.open(owner, { label: "a", address: "127.0.0.1" });
        const b = await registry.open(owner, { label: "b", address: "127.0.0.1" });
        const stranger = await registry.open(owner, { label: "c", address: "127.0.0.1" });
        const ta = new UdpTransport(a, "127.0.0.1", b.address().port);
        const tb = new UdpTransport(b, "127.0.0.1", a.address().port);
        const received: string[] = [];
        tb.onDatagram = (d) => received.push(Buffer.from(d).toString());
        let closedCalls = 0;
        tb.onClose = () => closedCalls++;
        stranger.send(Buffer.from("spoof"), b.address().port, "127.0.0.1");
        ta.send(Buffer.from("hello"));
        for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
        expect(received).toEqual(["hello"]);
        await ta.close();
        await tb.close();
        await tb.close();
        expect(closedCalls).toBe(1);
        expect(a.closed && b.closed).toBe(true);
        await stranger.close();
      },
      { registry },
    );
  });
});
