import { withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { type Candidate, IceAgent, type IceTransportState } from "./index.js";
import { nextDatagram, text, untext, waitForState } from "./test/pair.test-helper.js";
import { loopback, slowNomination } from "./test/slow-nomination.test-helper.js";

describe("data on a valid pair before nomination (RFC 8445 §12.1)", () => {
  it("the controlled agent is connected and sends on its valid pair before nomination, and the controlling one on its own", async () => {
    await withLeakCheck(async () => {
      const { a, b, close } = await slowNomination({ nominationTimeoutMs: 1500 });
      try {
        // Each state of b with whether a pair was selected then (b is "checking" already).
        const statesB: string[] = [];
        b.on("statechange", (s) => statesB.push(`${s}${b.selectedPair ? "" : " (nothing selected)"}`));
        let selectedAtA = false;
        a.on("selectedcandidatepairchange", () => {
          selectedAtA = true;
        });
        await waitForState(b, "connected");
        expect(b.selectedPair).toBeUndefined();
        const atA = nextDatagram(a);
        b.send(text("early from b"));
        expect(untext(await atA)).toBe("early from b");
        // a answers once a pair is valid for it too (its own check answered), still before it nominates.
        await waitForState(a, "connected");
        const atB = nextDatagram(b);
        a.send(text("early answer from a"));
        expect(untext(await atB)).toBe("early answer from a");
        // All of it before a nominated anything.
        expect(selectedAtA).toBe(false);
        expect(a.selectedPair).toBeUndefined();
        expect(a.state).toBe("connected");
        expect(b.getStats().dropped).toBe(0);
        // Then nomination completes and data moves to the selected pair.
        const [pa, pb] = await Promise.all([a.connect(), b.connect()]);
        expect(pa.remote.port).toBe(b.localCandidates[0]!.port);
        expect(pb.local.port).toBe(b.localCandidates[0]!.port);
        const after = nextDatagram(a);
        b.send(text("after nomination"));
        expect(untext(await after)).toBe("after nomination");
        expect(statesB).toEqual(["connected (nothing selected)", "completed"]);
      } finally {
        await close();
      }
    });
  });

  it("an ICE-lite agent sends nothing before the peer nominates", async () => {
    await withLeakCheck(async () => {
      const { a, b, close } = await slowNomination({ nominationTimeoutMs: 1000 }, { lite: true });
      try {
        // The lite agent's pair turns valid with a's first check; it still waits for the nomination.
        const seen: IceTransportState[] = [];
        b.on("statechange", (s) => seen.push(s));
        const start = performance.now();
        while (b.getStats().pairs.every((p) => p.state !== "succeeded") && performance.now() - start < 2000) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        expect(a.selectedPair).toBeUndefined();
        expect(b.selectedPair).toBeUndefined();
        expect(b.state).toBe("checking");
        const dropped = b.getStats().dropped;
        b.send(text("too early"));
        expect(b.getStats().dropped).toBe(dropped + 1);
        await b.connect();
        expect(seen).toContain("connected");
      } finally {
        await close();
      }
    });
  });

  it("data moves from the valid pair it went on to the pair the controlling agent nominates", async () => {
    await withLeakCheck(async () => {
      // b has two host candidates; a is told the one b ranks lower with a higher priority, so b's
      // first valid pair (its best) is not the one a nominates (a's best).
      const a = new IceAgent({ role: "controlling", ...loopback });
      const b = new IceAgent({
        role: "controlled",
        loopback: true,
        addresses: ["127.0.0.1", "127.0.0.2"],
        ipv6: false,
      });
      try {
        await Promise.all([a.gather(), b.gather()]);
        const [high, low] = [...b.localCandidates].sort((x, y) => y.priority - x.priority) as [
          Candidate,
          Candidate,
        ];
        expect(high.address).not.toBe(low.address);
        a.setRemoteCredentials(b.localCredentials);
        b.setRemoteCredentials(a.localCredentials);
        a.addRemoteCandidate(high);
        a.addRemoteCandidate({ ...low, priority: high.priority + 1000 });
        for (const c of a.localCandidates) b.addRemoteCandidate(c);
        b.start();
        await waitForState(b, "connected");
        // Before a checks at all: b's valid pair is its best one.
        expect(b.selectedPair).toBeUndefined();
        expect(b.dataPair?.local.address).toBe(high.address);
        const early = nextDatagram(a);
        b.send(text("on the first valid pair"));
        expect(untext(await early)).toBe("on the first valid pair");
        a.start();
        const selected = await b.connect();
        expect(selected.local.address).toBe(low.address);
        expect(b.dataPair?.id).toBe(selected.id);
        await a.connect();
        const atA = nextDatagram(a);
        b.send(text("on the nominated pair"));
        expect(untext(await atA)).toBe("on the nominated pair");
        expect(b.getStats().dropped).toBe(0);
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
});
