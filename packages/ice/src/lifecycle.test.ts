import { SocketRegistry } from "@purertc/socket";
import { forceGc, withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { IceAgent, type IceAgentOptions } from "./index.js";
import { connectedPair, signal, waitForState } from "./test/pair.test-helper.js";

const loopback = { loopback: "only", ipv6: false } as const;

/** A bound socket that never answers: a STUN server or peer gone silent. */
async function silentPort(): Promise<{ port: number; close(): Promise<void> }> {
  const out = { port: 0, close: () => Promise.resolve() };
  const socket = await SocketRegistry.default.open(out, { label: "silent", address: "127.0.0.1" });
  out.port = socket.address().port;
  out.close = () => socket.close();
  return out;
}

/** A gathered agent whose one remote candidate is a silent port: its checks go unanswered. */
async function facingSilence(options: IceAgentOptions = {}) {
  const silent = await silentPort();
  const a = new IceAgent({ ...loopback, ...options });
  await a.gather();
  a.setRemoteCredentials({ ufrag: "peer", pwd: "0123456789012345678901" });
  a.addRemoteCandidate(`candidate:1 1 udp 2130706431 127.0.0.1 ${silent.port} typ host`);
  return { a, silent };
}

/** A connected pair with the same consent timing on both sides. */
function pairTimed(timing: IceAgentOptions) {
  return connectedPair({ a: timing, b: timing });
}

describe("teardown releases everything", () => {
  it("a user's AbortSignal given to connect() rejects that call only; close() then rejects the others", async () => {
    await withLeakCheck(async () => {
      const { a, silent } = await facingSilence();
      const user = new AbortController();
      const reason = new Error("user gave up");
      const aborted = a.connect(user.signal);
      const other = a.connect();
      user.abort(reason);
      await expect(aborted).rejects.toBe(reason);
      expect(a.state).toBe("checking");
      // Already aborted: rejected at once with its reason.
      await expect(a.connect(user.signal)).rejects.toBe(reason);
      const otherRejected = expect(other).rejects.toMatchObject({ code: "ERR_CLOSED" });
      await a.close();
      await a.close(); // idempotent
      await otherRejected;
      await silent.close();
    });
  });

  it("close while gathering (a STUN server that does not answer)", async () => {
    await withLeakCheck(async () => {
      const silent = await silentPort();
      const a = new IceAgent({ ...loopback, stunServers: [`127.0.0.1:${silent.port}`] });
      const gathering = a.gather();
      await new Promise((resolve) => a.once("candidate", resolve)); // host found, srflx pending
      expect(a.gatheringState).toBe("gathering");
      await a.close();
      await gathering; // settles once closed
      expect(a.localCandidates).toEqual([]);
      await silent.close();
    });
  });

  it("close while checking (the remote never answers)", async () => {
    await withLeakCheck(async () => {
      const { a, silent } = await facingSilence();
      const connecting = a.connect();
      await waitForState(a, "checking");
      await new Promise((r) => setTimeout(r, 120)); // checks and retransmissions in flight
      await a.close();
      await expect(connecting).rejects.toMatchObject({ code: "ERR_CLOSED" });
      expect(a.getStats().pairs).toEqual([]);
      expect(a.remoteCandidates).toEqual([]);
      await silent.close();
    });
  });

  it("close when connected", async () => {
    await withLeakCheck(async () => {
      const [a, b] = await connectedPair();
      await Promise.all([a.close(), b.close()]);
      expect(a.selectedPair).toBeUndefined();
      expect(a.localCandidates).toEqual([]);
    });
  });

  it("close after failure", async () => {
    await withLeakCheck(async () => {
      const { a, silent } = await facingSilence({ checkRetransmit: { rto: 10, maxRto: 20, attempts: 2 } });
      a.addRemoteCandidate(null);
      await expect(a.connect()).rejects.toMatchObject({ code: "ERR_STATE" });
      await a.close();
      await silent.close();
    });
  });

  it("close during a restart (old and new generation both open)", async () => {
    await withLeakCheck(async () => {
      const [a, b] = await connectedPair();
      a.restart();
      b.restart();
      await Promise.all([a.gather(), b.gather()]);
      expect(SocketRegistry.default.size).toBe(4);
      a.setRemoteCredentials(b.localCredentials); // checks of the new generation start
      await Promise.all([a.close(), b.close()]);
    });
  });

  it("close with an mDNS query in flight", async () => {
    await withLeakCheck(async () => {
      const a = new IceAgent({
        ...loopback,
        mdns: { group: "127.0.0.1", port: 0, resolveTimeoutMs: 10_000 },
      });
      await a.gather();
      expect(a.localCandidates[0]?.address).toMatch(/^[0-9a-f-]{36}\.local$/);
      a.setRemoteCredentials({ ufrag: "peer", pwd: "0123456789012345678901" });
      // Nobody answers for this name: the query stays in flight until close.
      a.addRemoteCandidate(
        "candidate:1 1 udp 2130706431 11111111-2222-4333-8444-555555555555.local 9999 typ host",
      );
      await new Promise((r) => setTimeout(r, 50));
      await a.close();
    });
  });

  it("remote peer gone silent: disconnected, then failed, then closed", async () => {
    await withLeakCheck(async () => {
      const [a, b] = await pairTimed({
        consentIntervalMs: 50,
        disconnectedTimeoutMs: 300,
        consentTimeoutMs: 1500,
      });
      const states: string[] = [];
      a.on("statechange", (s) => states.push(s));
      await b.close();
      await waitForState(a, "failed");
      // Whatever a loaded machine did before, silence reads as disconnected, then failed.
      expect(states.at(-1)).toBe("failed");
      expect(states.at(-2)).toBe("disconnected");
      const sent = a.getStats().datagramsSent;
      a.send(new Uint8Array([1, 2, 3]));
      expect(a.getStats().datagramsSent).toBe(sent); // no consent, no sending
      await a.close();
    });
  });

  it("a consent answer brings a disconnected agent back", async () => {
    await withLeakCheck(async () => {
      const [a, b] = await pairTimed({
        consentIntervalMs: 30,
        disconnectedTimeoutMs: 120,
        consentTimeoutMs: 10_000,
      });
      // Simulate loss on the path: b's socket drops everything for a while.
      const base = (b as unknown as { current: { bases: Array<{ onPacket: unknown }> } }).current.bases[0]!;
      const handler = base.onPacket;
      base.onPacket = () => {};
      await waitForState(a, "disconnected");
      base.onPacket = handler;
      await waitForState(a, "completed");
      await Promise.all([a.close(), b.close()]);
    });
  });
});

describe("garbage collection", () => {
  it("a closed agent, its candidates and pairs are collected (WeakRef cleared)", async () => {
    const refs: WeakRef<object>[] = [];
    await (async () => {
      const [a, b] = await connectedPair();
      refs.push(new WeakRef(a), new WeakRef(b), new WeakRef(a.localCandidates[0]!));
      refs.push(new WeakRef(a.selectedPair!.remote), new WeakRef(b.selectedPair!.local));
      a.onDatagram = () => {};
      a.on("statechange", () => {});
      await a.close();
      await b.close();
    })();
    expect(await forceGc(6)).toBe(true);
    for (let i = 0; i < 20 && refs.some((r) => r.deref()); i++) await forceGc(2);
    expect(refs.map((r) => r.deref() === undefined)).toEqual(refs.map(() => true));
  });

  it("a closed agent that never connected is collected too", async () => {
    let ref: WeakRef<object> | undefined;
    await (async () => {
      const a = new IceAgent({ ...loopback });
      const b = new IceAgent({ ...loopback, role: "controlled" });
      await Promise.all([a.gather(), b.gather()]);
      signal(a, b, false);
      a.start();
      ref = new WeakRef(a);
      await a.close();
      await b.close();
    })();
    for (let i = 0; i < 20 && ref!.deref(); i++) await forceGc(2);
    expect(ref!.deref()).toBeUndefined();
  });

  it("an agent dropped without close() is still collected, and the registry reports and closes its socket", async () => {
    const registry = new SocketRegistry();
    const leaks: string[] = [];
    registry.on("leak", (report) => leaks.push(report.label));
    try {
      await (async () => {
        const a = new IceAgent({ ...loopback, registry });
        await a.gather();
        expect(registry.size).toBe(1);
      })();
      for (let i = 0; i < 40 && leaks.length === 0; i++) await forceGc(2);
      expect(leaks).toEqual(["ice-host"]);
      for (let i = 0; i < 100 && registry.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(registry.size).toBe(0);
    } finally {
      await registry.close();
    }
  });
});
