import { createSocket } from "node:dgram";
import { readFileSync } from "node:fs";
import { SocketRegistry } from "@purertc/socket";
import { forceGc, withLeakCheck } from "@purertc/socket/testing";
import { StunKey } from "@purertc/stun";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IceAgent, type IceAgentOptions, IceError, UdpMux } from "../index.js";
import { buildCheck } from "../stun-io.js";
import { nextDatagram, signal, text, untext } from "../test/pair.test-helper.js";
import { bindingRequestUfrag } from "./username.js";

const loopback = { loopback: "only", ipv6: false } as const;

/** A server agent on the mux and its own peer (a socket of its own, as a browser has), connected. */
async function serverAndPeer(
  mux: UdpMux,
  server: IceAgentOptions = { lite: true },
): Promise<[IceAgent, IceAgent]> {
  const agent = new IceAgent({ ...server, udpMux: mux });
  const peer = new IceAgent({ ...loopback, role: "controlling" });
  await Promise.all([agent.gather(), peer.gather()]);
  signal(peer, agent);
  await Promise.all([agent.connect(), peer.connect()]);
  return [agent, peer];
}

function muxSockets(registry: SocketRegistry = SocketRegistry.default) {
  return registry.list().filter((s) => s.label === "ice-udp-mux");
}

describe("UdpMux", () => {
  it("routes many agents (lite and full) on one port, each to its own peer; closing them leaves the socket", async () => {
    await withLeakCheck(async () => {
      await using mux = await UdpMux.open({ address: "127.0.0.1" });
      const pairs = await Promise.all([
        serverAndPeer(mux),
        serverAndPeer(mux),
        serverAndPeer(mux, { role: "controlled" }),
        serverAndPeer(mux, { role: "controlled" }),
      ]);
      expect(mux.stats.routes).toBe(4);
      // A 4 MiB buffer asked for; the kernel caps it at rmem_max and doubles it.
      const rmemMax = Number(readFileSync("/proc/sys/net/core/rmem_max", "utf8"));
      expect(mux.receiveBufferBytes).toBeGreaterThanOrEqual(2 * Math.min(rmemMax, 4 * 1024 * 1024));
      for (const [agent] of pairs) {
        expect(agent.localCandidates).toEqual([
          expect.objectContaining({ type: "host", address: "127.0.0.1", port: mux.port }),
        ]);
        expect(agent.selectedPair?.local.port).toBe(mux.port);
      }
      // Each peer reaches its own agent and only it, both ways.
      for (const [i, [agent, peer]] of pairs.entries()) {
        const atAgent = nextDatagram(agent);
        peer.send(text(`to agent ${i}`));
        expect(untext(await atAgent)).toBe(`to agent ${i}`);
        const atPeer = nextDatagram(peer);
        agent.send(text(`from agent ${i}`));
        expect(untext(await atPeer)).toBe(`from agent ${i}`);
      }
      for (const [agent, peer] of pairs) {
        await agent.close();
        await peer.close();
      }
      expect(mux.stats).toMatchObject({ routes: 0, remotes: 0, leakedRoutes: 0 });
      expect(muxSockets()).toHaveLength(1);
      expect(mux.stats.dropped).toBe(0);
    });
  });

  it("drops and counts datagrams for no agent: garbage, unknown ufrags, unknown sources", async () => {
    await withLeakCheck(async () => {
      await using mux = await UdpMux.open({ address: "127.0.0.1" });
      const [agent, peer] = await serverAndPeer(mux);
      const before = { ...mux.stats };
      const stranger = createSocket("udp4");
      await new Promise<void>((resolve) => stranger.bind(0, "127.0.0.1", resolve));
      const { bytes } = buildCheck({
        username: "nobody:x",
        priority: 1,
        controlling: true,
        tieBreaker: 1n,
        useCandidate: false,
        key: StunKey.shortTerm("p".repeat(22)),
      });
      const sends = [bytes, new Uint8Array([0x16, 0xfe, 0xfd, 1, 2, 3]), new Uint8Array(0)];
      for (const d of sends) await new Promise((resolve) => stranger.send(d, mux.port, "127.0.0.1", resolve));
      await new Promise<void>((resolve) => stranger.close(() => resolve()));
      await expect.poll(() => mux.stats.dropped).toBe(before.dropped + sends.length);
      // The connected agent saw none of it.
      expect(agent.getStats().dropped).toBe(0);
      await agent.close();
      await peer.close();
    });
  });

  it("closing the mux fails the agents still on it with a clear error, and refuses new ones", async () => {
    await withLeakCheck(async () => {
      const mux = await UdpMux.open({ address: "127.0.0.1" });
      const [agent, peer] = await serverAndPeer(mux);
      const waiting = new IceAgent({ lite: true, udpMux: mux });
      await waiting.gather();
      const pending = waiting.connect();
      await mux.close();
      expect(agent.state).toBe("failed");
      expect(agent.transportError).toBeInstanceOf(IceError);
      expect(agent.transportError?.message).toBe(`the UdpMux on 127.0.0.1:${mux.port} was closed`);
      await expect(pending).rejects.toThrow(/the UdpMux on .* was closed/);
      expect(muxSockets()).toHaveLength(0);
      const late = new IceAgent({ lite: true, udpMux: mux });
      await late.gather();
      expect(late.state).toBe("failed");
      await expect(late.connect()).rejects.toMatchObject({ code: "ERR_CLOSED" });
      for (const a of [agent, peer, waiting, late]) await a.close();
      await mux.close(); // idempotent
    });
  });

  for (const state of ["new", "gathered", "checking", "connected"] as const) {
    it(`an agent closed when ${state} leaves no route; the mux closes to baseline`, async () => {
      await withLeakCheck(async () => {
        const mux = await UdpMux.open({ address: "127.0.0.1" });
        const agent = new IceAgent({ lite: true, udpMux: mux });
        const peer = new IceAgent({ ...loopback, role: "controlling" });
        if (state !== "new") await Promise.all([agent.gather(), peer.gather()]);
        if (state === "checking" || state === "connected") {
          signal(peer, agent);
          peer.start();
          agent.start();
        }
        if (state === "connected") await Promise.all([agent.connect(), peer.connect()]);
        await agent.close();
        await peer.close();
        expect(mux.stats).toMatchObject({ routes: 0, remotes: 0 });
        await mux.close();
      });
    });
  }

  it("an ICE restart moves the agent to a new route and removes the old one once the new pair is selected", async () => {
    await withLeakCheck(async () => {
      await using mux = await UdpMux.open({ address: "127.0.0.1" });
      const [agent, peer] = await serverAndPeer(mux, { role: "controlled" });
      const oldUfrag = agent.localCredentials.ufrag;
      agent.restart();
      peer.restart();
      await Promise.all([agent.gather(), peer.gather()]);
      expect(mux.stats.routes).toBe(2); // the old generation still answers until the new one selects
      const selected = [agent, peer].map(
        (a) => new Promise((resolve) => a.once("selectedcandidatepairchange", resolve)),
      );
      signal(peer, agent);
      await Promise.all(selected);
      await expect.poll(() => mux.stats.routes).toBe(1);
      expect(agent.localCredentials.ufrag).not.toBe(oldUfrag);
      const got = nextDatagram(agent);
      peer.send(text("after restart"));
      expect(untext(await got)).toBe("after restart");
      await agent.close();
      await peer.close();
    });
  });

  it("a route whose agent is dropped without close() is collected, removed and counted", async () => {
    await using mux = await UdpMux.open({ address: "127.0.0.1" });
    await (async () => {
      const agent = new IceAgent({ lite: true, udpMux: mux });
      await agent.gather();
    })();
    expect(mux.stats.routes).toBe(1);
    await expect
      .poll(
        async () => {
          await forceGc();
          return mux.stats.leakedRoutes;
        },
        { timeout: 5000 },
      )
      .toBe(1);
    expect(mux.stats.routes).toBe(0);
  });

  it("refuses a bad address or port and a ufrag already attached", async () => {
    await expect(UdpMux.open({ address: "localhost" })).rejects.toMatchObject({ code: "ERR_STATE" });
    await expect(UdpMux.open({ address: "127.0.0.1", port: 70000 })).rejects.toMatchObject({
      code: "ERR_STATE",
    });
    await using mux = await UdpMux.open({ address: "127.0.0.1" });
    await expect(UdpMux.open({ address: "127.0.0.1", port: mux.port })).rejects.toMatchObject({
      code: "ERR_CLOSED",
    });
    const route = mux.attach("abcd", () => {});
    expect(() => mux.attach("abcd", () => {})).toThrow(/already attached/);
    await route.close();
  });
});

describe("bindingRequestUfrag", () => {
  const key = StunKey.shortTerm("p".repeat(22));
  it("reads the local ufrag of real checks", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9+/]{4,32}$/), fc.boolean(), (ufrag, nominate) => {
        const { bytes } = buildCheck({
          username: `${ufrag}:peer`,
          priority: 1,
          controlling: nominate,
          tieBreaker: 7n,
          useCandidate: nominate,
          key,
        });
        expect(bindingRequestUfrag(bytes)).toBe(ufrag);
      }),
    );
  });

  it("never throws on random or mutated input", () => {
    const { bytes } = buildCheck({
      username: "abcd:efgh",
      priority: 1,
      controlling: true,
      tieBreaker: 1n,
      useCandidate: false,
      key,
    });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })).map(([at, v]) => {
            const copy = bytes.slice();
            copy[at] = v;
            return copy;
          }),
          fc.nat(bytes.length).map((n) => bytes.slice(0, n)),
        ),
        (data) => {
          const ufrag = bindingRequestUfrag(data);
          expect(ufrag === undefined || /^[\x21-\x7e]+$/.test(ufrag)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
