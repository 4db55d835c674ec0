import { type ManagedSocket, SocketRegistry } from "@purertc/socket";
import { TEST_OWNER, withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { type Candidate, IceAgent, type IceAgentOptions, IceError, type IceTransportState } from "./index.js";
import { connectedPair, nextDatagram, signal, text, untext, waitForState } from "./test/pair.test-helper.js";

const loopback = { loopback: "only", ipv6: false } as const;

/**
 * Two gathered agents (`a` controlling) connected while `deaf` never hears of
 * the other's candidates: it can know the other only from its checks (prflx).
 */
async function oneSidedPair(deaf: "a" | "b") {
  const a = new IceAgent({ role: "controlling", ...loopback });
  const b = new IceAgent({ role: "controlled", ...loopback });
  await Promise.all([a.gather(), b.gather()]);
  a.setRemoteCredentials(b.localCredentials);
  b.setRemoteCredentials(a.localCredentials);
  if (deaf === "b") for (const c of b.localCandidates) a.addRemoteCandidate(c);
  else for (const c of a.localCandidates) b.addRemoteCandidate(c);
  const [pairA, pairB] = await Promise.all([a.connect(), b.connect()]);
  return { a, b, pairA, pairB };
}

describe("two agents on loopback", () => {
  it("connect, exchange datagrams both ways, close to baseline", async () => {
    await withLeakCheck(async () => {
      const [a, b] = await connectedPair();
      expect(a.selectedPair?.local.port).toBe(b.selectedPair?.remote.port);
      expect(b.selectedPair?.local.port).toBe(a.selectedPair?.remote.port);
      const gotB = nextDatagram(b);
      a.send(text("ping"));
      expect(untext(await gotB)).toBe("ping");
      const gotA = nextDatagram(a);
      b.send(text("pong"));
      expect(untext(await gotA)).toBe("pong");
      expect(a.getStats().datagramsSent).toBe(1);
      expect(a.getStats().datagramsReceived).toBe(1);
      await a.close();
      await b.close();
      expect(a.state).toBe("closed");
    });
  });

  it("close() lets datagrams sent in the same tick leave before its sockets close", async () => {
    await withLeakCheck(async () => {
      const [a, b] = await connectedPair();
      const got = nextDatagram(b);
      a.send(text("last words"));
      const closing = a.close(); // same tick as the send (as a DTLS close_notify)
      expect(untext(await got)).toBe("last words");
      await closing;
      await b.close();
    });
  });

  it("goes through the W3C states and emits candidates, gathering states and the selected pair", async () => {
    await withLeakCheck(async () => {
      const a = new IceAgent({ role: "controlling", ...loopback });
      const b = new IceAgent({ role: "controlled", ...loopback });
      const seen: Record<string, string[]> = { a: [], b: [], ga: [], candidatesA: [], pairA: [] };
      a.on("statechange", (s) => seen.a!.push(s));
      b.on("statechange", (s) => seen.b!.push(s));
      a.on("gatheringstatechange", (s) => seen.ga!.push(s));
      a.on("candidate", (c) => seen.candidatesA!.push(c ? c.type : "end"));
      a.on("selectedcandidatepairchange", (p) => seen.pairA!.push(`${p.local.port}>${p.remote.port}`));
      expect(a.state).toBe("new");
      expect(a.gatheringState).toBe("new");
      await Promise.all([a.gather(), b.gather()]);
      expect(a.gatheringState).toBe("complete");
      expect(a.localCandidates).toHaveLength(1);
      expect(a.localCandidates[0]).toMatchObject({ type: "host", address: "127.0.0.1", component: 1 });
      signal(a, b);
      await Promise.all([a.connect(), b.connect()]);
      await Promise.all([waitForState(a, "completed"), waitForState(b, "completed")]);
      expect(seen.ga).toEqual(["gathering", "complete"]);
      expect(seen.candidatesA).toEqual(["host", "end"]);
      expect(seen.a).toEqual(["checking", "connected", "completed"]);
      expect(seen.b!.at(-1)).toBe("completed");
      expect(seen.b).toContain("connected");
      expect(seen.pairA).toEqual([`${a.localCandidates[0]!.port}>${b.localCandidates[0]!.port}`]);
      expect(a.getStats().pairs[0]).toMatchObject({ state: "succeeded", nominated: true });
      await a.close();
      await a.close();
      await b[Symbol.asyncDispose]();
      expect(seen.a!.at(-1)).toBe("closed");
      expect(() => a.addRemoteCandidate(null)).toThrow(IceError);
      await expect(a.gather()).rejects.toBeInstanceOf(IceError);
    });
  });

  it("checks IPv4 and IPv6 loopback pairs (one per family), selects the best and can run on ::1 alone", async () => {
    await withLeakCheck(async () => {
      const [a, b] = await connectedPair({ a: { ipv6: true }, b: { ipv6: true } });
      expect(a.localCandidates.map((c) => c.address).sort()).toEqual(["127.0.0.1", "::1"]);
      const pairs = a.getStats().pairs;
      // One pair per family (never across families); the lower one may be pruned after nomination.
      expect(
        a
          .getStats()
          .remoteCandidates.map((c) => c.address)
          .sort(),
      ).toEqual(["127.0.0.1", "::1"]);
      expect(pairs.length).toBeGreaterThanOrEqual(1);
      expect(pairs.length).toBeLessThanOrEqual(2);
      const selected = a.selectedPair!;
      const best = pairs[0]!;
      expect(best.nominated).toBe(true);
      // Regular nomination: USE-CANDIDATE on one pair only.
      expect(pairs.filter((p) => p.nominated)).toHaveLength(1);
      expect(best.local).toBe(
        `${selected.local.address.includes(":") ? `[${selected.local.address}]` : selected.local.address}:${selected.local.port}`,
      );
      await Promise.all([a.close(), b.close()]);

      const [c, d] = await connectedPair({
        a: { addresses: ["::1"], ipv6: true },
        b: { addresses: ["::1"], ipv6: true },
      });
      expect(c.selectedPair!.remote.address).toBe("::1");
      const got = nextDatagram(d);
      c.send(text("v6"));
      expect(untext(await got)).toBe("v6");
      await Promise.all([c.close(), d.close()]);
    });
  });

  it("opens its sockets only through the registry it is given", async () => {
    const registry = new SocketRegistry();
    await withLeakCheck(
      async () => {
        const before = SocketRegistry.default.size;
        const [a, b] = await connectedPair({ a: { registry }, b: { registry } });
        expect(registry.size).toBe(2);
        expect(registry.list().map((s) => s.label)).toEqual(["ice-host", "ice-host"]);
        expect(SocketRegistry.default.size).toBe(before);
        await Promise.all([a.close(), b.close()]);
        expect(registry.size).toBe(0);
      },
      { registry },
    );
    await registry.close();
  });

  it("after nomination drops unchecked lower-priority pairs and stops checks on them (RFC 8445 §8.1.2)", async () => {
    await withLeakCheck(async () => {
      const owner = { sockets: [] as ManagedSocket[] };
      for (let i = 0; i < 3; i++) {
        owner.sockets.push(
          await SocketRegistry.default.open(owner, { label: `silent-${i}`, address: "127.0.0.1" }),
        );
      }
      const a = new IceAgent({ role: "controlling", ...loopback });
      const b = new IceAgent({ role: "controlled", ...loopback });
      await Promise.all([a.gather(), b.gather()]);
      signal(a, b, false);
      // Lower-priority candidates where nobody answers.
      owner.sockets.forEach((s, i) => {
        a.addRemoteCandidate(`candidate:${9 + i} 1 udp ${100 + i} 127.0.0.1 ${s.address().port} typ host`);
      });
      a.addRemoteCandidate(null);
      b.addRemoteCandidate(null);
      const pending = new Promise<string[]>((resolve) =>
        a.once("selectedcandidatepairchange", () => resolve(a.getStats().pairs.map((p) => p.state))),
      );
      a.start();
      b.start();
      const states = await pending;
      expect(states[0]).toBe("succeeded");
      expect(states.slice(1).every((s) => s === "failed")).toBe(true); // none waiting, frozen or in flight
      await waitForState(a, "completed");
      await Promise.all([a.close(), b.close(), ...owner.sockets.map((s) => s.close())]);
    });
  });

  it("trickles candidates after checks started; stays connected (not completed) without end-of-candidates", async () => {
    await withLeakCheck(async () => {
      const a = new IceAgent({ role: "controlling", ...loopback });
      const b = new IceAgent({ role: "controlled", ...loopback });
      const candidatesB: Candidate[] = [];
      b.on("candidate", (c) => c && candidatesB.push(c));
      a.setRemoteCredentials(b.localCredentials);
      b.setRemoteCredentials(a.localCredentials);
      const connected = Promise.all([a.connect(), b.connect()]);
      await Promise.all([a.gather(), b.gather()]);
      for (const c of candidatesB) a.addRemoteCandidate(c);
      for (const c of a.localCandidates) b.addRemoteCandidate(c);
      await connected;
      expect(a.state).toBe("connected");
      await a.close();
      await b.close();
    });
  });

  it("uses a peer-reflexive remote at once when the peer's candidates never come (controlled side)", async () => {
    await withLeakCheck(async () => {
      const { a, b, pairB } = await oneSidedPair("b");
      expect(pairB.remote.type).toBe("prflx");
      expect(pairB.remote.port).toBe(a.localCandidates[0]!.port);
      const got = nextDatagram(a);
      b.send(text("from b"));
      expect(untext(await got)).toBe("from b");
      await a.close();
      await b.close();
    });
  });

  it("uses a peer-reflexive remote on the controlling side too (its check arrives first)", async () => {
    await withLeakCheck(async () => {
      const { a, b, pairA } = await oneSidedPair("a");
      expect(pairA.remote.type).toBe("prflx");
      await a.close();
      await b.close();
    });
  });

  it("resolves a role conflict by tie-breaker (both controlling, then both controlled)", async () => {
    await withLeakCheck(async () => {
      for (const role of ["controlling", "controlled"] as const) {
        const a = new IceAgent({ role, tieBreaker: 10n, ...loopback });
        const b = new IceAgent({ role, tieBreaker: 20n, ...loopback });
        const roleChanges: string[] = [];
        a.on("rolechange", (r) => roleChanges.push(`a:${r}`));
        b.on("rolechange", (r) => roleChanges.push(`b:${r}`));
        await Promise.all([a.gather(), b.gather()]);
        signal(a, b);
        await Promise.all([a.connect(), b.connect()]);
        // The larger tie-breaker (b) ends controlling (RFC 8445 §7.3.1.1).
        expect(b.role).toBe("controlling");
        expect(a.role).toBe("controlled");
        expect(roleChanges).toEqual(role === "controlling" ? ["a:controlled"] : ["b:controlling"]);
        await a.close();
        await b.close();
      }
    });
  });

  it("fails when every pair fails and the peer ended its candidates; connect() rejects", async () => {
    await withLeakCheck(async () => {
      const registry = SocketRegistry.default;
      // A port that was bound and is now free: nobody answers there.
      const probe = await registry.open(TEST_OWNER, { label: "probe", address: "127.0.0.1" });
      const deadPort = probe.address().port;
      await probe.close();
      const a = new IceAgent({
        role: "controlling",
        ...loopback,
        checkRetransmit: { rto: 20, maxRto: 40, attempts: 3 },
      });
      await a.gather();
      a.setRemoteCredentials({ ufrag: "dead", pwd: "0123456789012345678901" });
      a.addRemoteCandidate(`candidate:1 1 udp 2130706431 127.0.0.1 ${deadPort} typ host`);
      a.addRemoteCandidate(null);
      const states: IceTransportState[] = [];
      a.on("statechange", (s) => states.push(s));
      await expect(a.connect()).rejects.toMatchObject({ code: "ERR_STATE" });
      expect(a.state).toBe("failed");
      expect(states).toEqual(["checking", "failed"]);
      expect(a.getStats().pairs[0]?.state).toBe("failed");
      await a.close();
    });
  });

  it("without end-of-candidates waits in checking, unless told to assume it after a quiet time", async () => {
    await withLeakCheck(async () => {
      const probe = await SocketRegistry.default.open(TEST_OWNER, { label: "probe", address: "127.0.0.1" });
      const deadPort = probe.address().port;
      await probe.close();
      const fast = { rto: 10, maxRto: 20, attempts: 2 };
      const make = (extra: IceAgentOptions) => new IceAgent({ ...loopback, checkRetransmit: fast, ...extra });
      const strict = make({});
      const lenient = make({ assumeEndOfCandidatesAfterMs: 100 });
      for (const agent of [strict, lenient]) {
        await agent.gather();
        agent.setRemoteCredentials({ ufrag: "dead", pwd: "0123456789012345678901" });
        agent.addRemoteCandidate(`candidate:1 1 udp 2130706431 127.0.0.1 ${deadPort} typ host`);
      }
      const failed = lenient.connect();
      strict.start();
      await expect(failed).rejects.toMatchObject({ code: "ERR_STATE" });
      for (let i = 0; i < 300 && strict.getStats().pairs[0]?.state !== "failed"; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(strict.getStats().pairs[0]?.state).toBe("failed");
      expect(strict.state).toBe("checking"); // the W3C rule: no end-of-candidates, no failure
      strict.addRemoteCandidate(null);
      expect(strict.state).toBe("failed");
      await Promise.all([strict.close(), lenient.close()]);
    });
  });

  it("is a DatagramTransport: drops sends before a pair, calls onClose once, rejects a pending connect on close", async () => {
    await withLeakCheck(async () => {
      const a = new IceAgent({ role: "controlling", ...loopback });
      a.send(text("too early"));
      expect(a.getStats().dropped).toBe(1);
      let closes = 0;
      a.onClose = () => closes++;
      const pending = a.connect();
      await a.close();
      await a.close();
      await expect(pending).rejects.toMatchObject({ code: "ERR_CLOSED" });
      expect(closes).toBe(1);
      expect(a.closed).toBe(true);
    });
  });

  it("rejects bad remote credentials and candidates with IceError", async () => {
    const a = new IceAgent({ ...loopback });
    expect(() => a.setRemoteCredentials({ ufrag: "abc", pwd: "0123456789012345678901" })).toThrow(IceError);
    expect(() => a.setRemoteCredentials({ ufrag: "abcd", pwd: "short" })).toThrow(IceError);
    expect(() => a.addRemoteCandidate("candidate:nonsense")).toThrow(IceError);
    await a.close();
  });

  it("restarts: new credentials and sockets, data keeps flowing, old sockets released once the new pair is selected", async () => {
    await withLeakCheck(async () => {
      const [a, b] = await connectedPair();
      const before = { a: a.selectedPair!, b: b.selectedPair!, ufrag: a.localCredentials.ufrag };
      const registry = SocketRegistry.default;
      expect(registry.size).toBe(2);
      const newA = a.restart();
      const newB = b.restart();
      expect(newB.pwd).not.toBe(newA.pwd);
      expect(newA.ufrag).not.toBe(before.ufrag);
      expect(a.gatheringState).toBe("new");
      // The old pair still carries data during the restart.
      const during = nextDatagram(b);
      a.send(text("during"));
      expect(untext(await during)).toBe("during");
      await Promise.all([a.gather(), b.gather()]);
      expect(registry.size).toBe(4);
      const changed = new Promise((resolve) => a.once("selectedcandidatepairchange", resolve));
      signal(a, b);
      await changed;
      await waitForState(b, "completed");
      expect(a.selectedPair!.local.port).not.toBe(before.a.local.port);
      expect(a.localCredentials).toEqual(newA);
      expect(b.remoteCredentials).toEqual(newA);
      const after = nextDatagram(a);
      b.send(text("after"));
      expect(untext(await after)).toBe("after");
      // Old generation closed: two sockets left.
      for (let i = 0; i < 100 && registry.size > 2; i++) await new Promise((r) => setTimeout(r, 10));
      expect(registry.size).toBe(2);
      await a.close();
      await b.close();
    });
  });
});
