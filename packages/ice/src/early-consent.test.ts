import { forceGc, withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import type { IceAgent, IceAgentOptions } from "./index.js";
import { nextDatagram, text, untext, waitForState } from "./test/pair.test-helper.js";
import { slowNomination } from "./test/slow-nomination.test-helper.js";

/**
 * RFC 8445 §12.1 + RFC 7675 §5.1 on two real agents over loopback: b
 * (controlled) sends on a valid pair before a (controlling) nominates. a
 * waits a minute to nominate (its best-ranked remote candidate never
 * answers), so within a test it never does: a late or never-nominating peer.
 */
const NEVER = { nominationTimeoutMs: 60_000 } satisfies IceAgentOptions;
/**
 * Consent on b, fast: checks every 20 ms, `disconnected` after 300 ms, lost
 * after 800 ms. Both agents share one event loop: a stall longer than 300 ms
 * on a loaded machine can show a brief `disconnected` before the answers
 * queued meanwhile are read, so tests assert what must never happen
 * (`failed`, `completed`, a dropped datagram) rather than no blip at all.
 */
const FAST_CONSENT = {
  consentIntervalMs: 20,
  disconnectedTimeoutMs: 300,
  consentTimeoutMs: 800,
} satisfies IceAgentOptions;

/** The states in `states` other than connected and disconnected (failed, completed, …). */
const neverThere = (states: string[]) =>
  states.filter((s) => !s.startsWith("connected") && !s.startsWith("disconnected"));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** b's states from now on, each with whether a pair was selected then. */
function record(b: IceAgent): string[] {
  const states: string[] = [];
  b.on("statechange", (s) => states.push(`${s}${b.selectedPair ? "" : " (nothing selected)"}`));
  return states;
}

/** The stats entry of the pair `agent.getStats()` says transports data. */
function statsPair(agent: IceAgent) {
  const stats = agent.getStats();
  return {
    id: stats.selectedCandidatePairId,
    pair: stats.pairs.find((p) => p.id === stats.selectedCandidatePairId),
  };
}

describe("consent on a valid pair before nomination (RFC 8445 §12.1, RFC 7675 §5.1)", () => {
  it("consent checks keep the pair carrying data long past the consent timeout while the peer does not nominate", async () => {
    await withLeakCheck(async () => {
      const { a, b, close } = await slowNomination(NEVER, FAST_CONSENT);
      try {
        await waitForState(b, "connected");
        const states = record(b);
        const first = nextDatagram(a);
        b.send(text("early"));
        expect(untext(await first)).toBe("early");
        // Over two consent timeouts with no nomination: only b's consent checks (a answers them) keep the pair.
        await sleep(1800);
        const later = nextDatagram(a);
        b.send(text("still early"));
        // Both sends arrived (a dropped one would not). Not `dropped === 0`: it also counts a STUN answer that
        // comes after its transaction gave up, which a loaded CI machine produced once.
        expect(untext(await later)).toBe("still early");
        expect(a.selectedPair).toBeUndefined();
        expect(b.selectedPair).toBeUndefined();
        await waitForState(b, "connected");
        expect(neverThere(states)).toEqual([]);
      } finally {
        await close();
      }
    });
  });

  it("the peer goes away before nominating: disconnected, then failed, and data stops", async () => {
    await withLeakCheck(async () => {
      const { a, b, close } = await slowNomination(NEVER, FAST_CONSENT);
      try {
        await waitForState(b, "connected");
        const states = record(b);
        const failed = waitForState(b, "failed");
        await a.close();
        await failed;
        // (A stall may add a blip of connected after disconnected; the last two are the rule.)
        expect(states.slice(-2)).toEqual(["disconnected (nothing selected)", "failed (nothing selected)"]);
        expect(b.dataPair).toBeUndefined();
        expect(b.getStats().selectedCandidatePairId).toBeUndefined();
        const dropped = b.getStats().dropped;
        b.send(text("into the void"));
        expect(b.getStats().dropped).toBe(dropped + 1);
        // connect() waited for a selected pair: it rejects with the failure.
        await expect(b.connect()).rejects.toMatchObject({ code: "ERR_STATE" });
      } finally {
        await close();
      }
    });
  });

  it("never nominated: connected, never completed; connect() waits (until close) and stats name the valid pair, not nominated", async () => {
    await withLeakCheck(async () => {
      const { a, b, close } = await slowNomination(NEVER, FAST_CONSENT);
      let pending: Promise<unknown> | undefined;
      try {
        await waitForState(b, "connected");
        const states = record(b);
        let settled = false;
        pending = b.connect().finally(() => {
          settled = true;
        });
        await sleep(400);
        expect(settled).toBe(false);
        expect(neverThere(states)).toEqual([]);
        // The W3C pair "used to transport" (webrtc-stats selectedCandidatePairId): the valid one.
        const { id, pair } = statsPair(b);
        expect(id).toBe(b.dataPair?.id);
        expect(pair).toMatchObject({ state: "succeeded", nominated: false });
        // a's own valid pair (its check of b answered) is what it reports too.
        expect(statsPair(a).id).toBe(a.dataPair?.id);
        expect(statsPair(a).pair).toMatchObject({ state: "succeeded", nominated: false });
      } finally {
        await close();
      }
      await expect(pending).rejects.toMatchObject({ code: "ERR_CLOSED" });
    });
  });

  it("stats name the valid pair before nomination, then the selected one (nominated)", async () => {
    await withLeakCheck(async () => {
      const { a, b, close } = await slowNomination({ nominationTimeoutMs: 400 });
      try {
        await waitForState(b, "connected");
        const early = statsPair(b);
        expect(b.selectedPair).toBeUndefined();
        expect(early.pair).toMatchObject({ state: "succeeded", nominated: false });
        const selected = await b.connect();
        await a.connect();
        const after = statsPair(b);
        expect(after.id).toBe(selected.id);
        expect(after.pair).toMatchObject({ state: "succeeded", nominated: true });
      } finally {
        await close();
      }
    });
  });
});

describe("teardown in the states before nomination", () => {
  /** How b gets to each state: early connected (consent running), disconnected, failed (consent lost). */
  const reach: Record<string, (a: IceAgent, b: IceAgent) => Promise<void>> = {
    connected: (_a, b) => waitForState(b, "connected"),
    disconnected: async (a, b) => {
      await waitForState(b, "connected");
      const disconnected = waitForState(b, "disconnected");
      await a.close();
      await disconnected;
    },
    failed: async (a, b) => {
      await waitForState(b, "connected");
      const failed = waitForState(b, "failed");
      await a.close();
      await failed;
    },
  };

  for (const [state, go] of Object.entries(reach)) {
    it(`close() while ${state} before nomination releases everything, twice over`, async () => {
      await withLeakCheck(async () => {
        const { a, b, close } = await slowNomination(
          NEVER,
          // Disconnected lasts long enough to close in it.
          state === "disconnected" ? { ...FAST_CONSENT, consentTimeoutMs: 5000 } : FAST_CONSENT,
        );
        try {
          await go(a, b);
          expect(b.state).toBe(state);
          expect(b.selectedPair).toBeUndefined();
          await b.close();
          await b.close();
          expect(b.state).toBe("closed");
          expect(b.dataPair).toBeUndefined();
        } finally {
          await close();
        }
      });
    });
  }

  it("an agent closed while it sent on a valid pair before nomination is collected (WeakRef cleared)", async () => {
    const refs: WeakRef<object>[] = [];
    await (async () => {
      const { a, b, close } = await slowNomination(NEVER, FAST_CONSENT);
      await waitForState(b, "connected");
      b.send(text("early"));
      refs.push(new WeakRef(a), new WeakRef(b), new WeakRef(b.dataPair!.remote));
      await sleep(60); // a few consent checks on the pair
      await close();
    })();
    for (let i = 0; i < 20 && refs.some((r) => r.deref()); i++) await forceGc(2);
    expect(refs.map((r) => r.deref() === undefined)).toEqual(refs.map(() => true));
  });
});
