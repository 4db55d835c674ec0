import { describe, expect, it, vi } from "vitest";
import { EarlyPair } from "./early-pair.js";
import type { CandidatePair } from "./index.js";
import { session, sleep, timing, valid } from "./test/early-session.test-helper.js";

describe("EarlyPair: the pair data goes on before nomination (RFC 8445 §12.1)", () => {
  it("none before a pair is valid; then the best valid one", () => {
    const { s, pairs } = session();
    const early = new EarlyPair(timing(), () => {});
    expect(early.get(s)).toBeUndefined();
    const [high, mid, low] = pairs as [CandidatePair, CandidatePair, CandidatePair];
    valid(low);
    expect(early.get(s)).toBe(low);
    valid(mid);
    // Kept while usable: no switching on every new valid pair.
    expect(early.get(s)).toBe(low);
    low.state = "failed";
    expect(early.get(s)).toBe(mid);
    valid(high);
    early.clear();
    expect(early.get(s)).toBe(high);
    early.clear();
  });

  it("the pair the peer's datagram came on, when it is valid for us", () => {
    const { s, pairs } = session();
    const early = new EarlyPair(timing(), () => {});
    const [high, mid, low] = pairs as [CandidatePair, CandidatePair, CandidatePair];
    valid(high);
    valid(low);
    expect(early.get(s)).toBe(high);
    early.received(s, low);
    expect(early.get(s)).toBe(low);
    // A pair not valid for us (our check on it unanswered) is not answered on.
    early.received(s, mid);
    expect(early.get(s)).toBe(low);
    early.clear();
  });

  it("not a pair whose last check is older than the consent timeout (RFC 7675)", () => {
    const { s, pairs } = session();
    const early = new EarlyPair(timing(1000), () => {});
    const [high, mid] = pairs as [CandidatePair, CandidatePair];
    valid(high, performance.now() - 1001);
    expect(early.get(s)).toBeUndefined();
    expect(early.consentState(s)).toBeUndefined();
    valid(mid);
    expect(early.get(s)).toBe(mid);
    expect(early.consentState(s)).toBe("fresh");
    early.clear();
  });

  it("consent is an answer to our own check: a pair the peer checked recently but we did not is not taken", () => {
    const { s, pairs } = session();
    const early = new EarlyPair(timing(1000), () => {});
    const high = pairs[0]!;
    valid(high, performance.now() - 1001);
    // The peer's authenticated request (requests.ts) moves lastActivity, not consentAt.
    high.lastActivity = performance.now();
    expect(early.get(s)).toBeUndefined();
    expect(early.consentState(s)).toBeUndefined();
  });

  it("consent checks run on the pair in use: answered, it keeps consent past the timeout", async () => {
    const { s, pairs, checks } = session(true);
    const early = new EarlyPair(timing(200), () => {});
    try {
      valid(pairs[0]!);
      expect(early.get(s)).toBe(pairs[0]);
      await sleep(500);
      expect(checks()).toBeGreaterThan(3);
      expect(early.get(s)).toBe(pairs[0]);
      expect(early.consentState(s)).toBe("fresh");
    } finally {
      early.clear();
    }
  });

  it("unanswered, consent goes stale then is lost: no pair, state lost, checks stop", async () => {
    const { s, pairs, checks } = session(false);
    const seen: string[] = [];
    // Stale after 300 ms, lost after 600 ms: a stall (GC, a browser in another test) may skip `stale`.
    const early = new EarlyPair(timing(600), (state) => seen.push(state));
    try {
      valid(pairs[0]!);
      expect(early.get(s)).toBe(pairs[0]);
      const until = performance.now() + 5000;
      while (!seen.includes("lost") && performance.now() < until) await sleep(10);
      expect(seen.at(-1)).toBe("lost");
      expect(seen.every((state) => state === "stale" || state === "lost")).toBe(true);
      expect(seen.length).toBeLessThanOrEqual(2);
      expect(early.get(s)).toBeUndefined();
      expect(early.consentState(s)).toBe("lost");
      const sent = checks();
      await sleep(50);
      expect(checks()).toBe(sent);
      // That pair failed for good: the peer's check (or even an answer) does not bring it back.
      expect(pairs[0]!.state).toBe("failed");
      expect(pairs[0]!.consentLost).toBe(true);
      valid(pairs[0]!);
      expect(early.get(s)).toBeUndefined();
      expect(early.consentState(s)).toBe("lost");
      // Another pair whose check is answered has fresh consent: it carries data.
      valid(pairs[1]!);
      expect(early.get(s)).toBe(pairs[1]);
      expect(early.consentState(s)).toBe("fresh");
    } finally {
      early.clear();
    }
  });

  it("a pair that fails a check is gone (not lost): no pair, and another valid one takes over", () => {
    const { s, pairs } = session();
    const early = new EarlyPair(timing(), () => {});
    const [high, mid] = pairs as [CandidatePair, CandidatePair];
    valid(high);
    expect(early.get(s)).toBe(high);
    high.state = "failed";
    expect(early.get(s)).toBeUndefined();
    expect(early.consentState(s)).toBe("gone");
    valid(mid);
    expect(early.consentState(s)).toBe("fresh");
    expect(early.get(s)).toBe(mid);
    early.clear();
  });

  it("a pair of another generation is not used", () => {
    const first = session();
    const second = session();
    const early = new EarlyPair(timing(), () => {});
    valid(first.pairs[0]!);
    expect(early.get(first.s)).toBe(first.pairs[0]);
    expect(early.get(second.s)).toBeUndefined();
    valid(second.pairs[1]!);
    expect(early.get(second.s)).toBe(second.pairs[1]);
    early.clear();
  });

  it("a pair taken late in its consent life is checked at once, not an interval later", async () => {
    const { s, pairs, checks } = session(true);
    const early = new EarlyPair({ intervalMs: 5000, timeoutMs: 30_000, disconnectedMs: 10_000 }, () => {});
    try {
      // Its last answer is 6 s old: waiting 4-6 s for the first check would leave less of the timeout.
      valid(pairs[0]!, performance.now() - 6000);
      expect(early.get(s)).toBe(pairs[0]);
      for (let i = 0; i < 20 && checks() === 0; i++) await sleep(5);
      expect(checks()).toBe(1);
    } finally {
      early.clear();
    }
  });

  it("one clock reading judges the pair fresh and starts its monitor: never stored with a monitor that starts lost", () => {
    const { s, pairs } = session();
    const early = new EarlyPair({ intervalMs: 5000, timeoutMs: 1500, disconnectedMs: 1200 }, () => {});
    const start = performance.now();
    valid(pairs[0]!, start - 1000);
    // Each reading of the clock a second later than the one before (a stall between two reads).
    let ticks = 0;
    const clock = vi.spyOn(performance, "now").mockImplementation(() => start + 1000 * ticks++);
    try {
      expect(early.get(s)).toBe(pairs[0]);
      expect(early.consentState(s)).not.toBe("lost");
    } finally {
      clock.mockRestore();
      early.clear();
    }
  });

  it("data moving to another pair reports that pair's consent at once (the state follows the pair in use)", () => {
    const { s, pairs } = session();
    const seen: string[] = [];
    const early = new EarlyPair(timing(), (state) => seen.push(state));
    const [high, mid] = pairs as [CandidatePair, CandidatePair];
    try {
      valid(high);
      // Valid, its last answer older than the disconnected timeout (10 s) but within consent (30 s).
      valid(mid, performance.now() - 12_000);
      expect(early.get(s)).toBe(high);
      expect(seen).toEqual([]);
      early.received(s, mid);
      expect(seen).toEqual(["stale"]);
      early.received(s, high);
      expect(seen).toEqual(["stale", "fresh"]);
    } finally {
      early.clear();
    }
  });

  it("a pair not in use that failed a check stops its consent checks at the next change, not the next switch", async () => {
    const { s, pairs, checks } = session(true);
    const early = new EarlyPair(timing(1000), () => {});
    const [high, mid] = pairs as [CandidatePair, CandidatePair];
    try {
      valid(high);
      valid(mid);
      expect(early.get(s)).toBe(high);
      early.received(s, mid);
      await sleep(40);
      expect(checks(high)).toBeGreaterThan(0);
      high.state = "failed";
      // What the agent does on each change of the session (AgentConnection.update).
      expect(early.consentState(s)).toBe("fresh");
      const sent = checks(high);
      await sleep(60);
      expect(checks(high)).toBe(sent);
      expect(checks(mid)).toBeGreaterThan(0);
    } finally {
      early.clear();
    }
  });

  it("starts stale when its last answer is older than the disconnected timeout, with no event on the way", () => {
    const { s, pairs } = session();
    const seen: string[] = [];
    const early = new EarlyPair({ intervalMs: 5000, timeoutMs: 30_000, disconnectedMs: 10_000 }, (state) =>
      seen.push(state),
    );
    valid(pairs[0]!, performance.now() - 12_000);
    expect(early.get(s)).toBe(pairs[0]);
    expect(early.consentState(s)).toBe("stale");
    expect(seen).toEqual([]);
    early.clear();
  });

  it("a peer switching paths faster than the interval does not starve consent: each pair keeps its schedule", async () => {
    const { s, pairs, checks } = session(true);
    const [high, mid] = pairs as [CandidatePair, CandidatePair];
    const early = new EarlyPair({ intervalMs: 40, timeoutMs: 2000, disconnectedMs: 1000 }, () => {});
    try {
      valid(high);
      valid(mid);
      const until = performance.now() + 400;
      // Datagrams from the peer alternate between the two pairs every few ms.
      for (let i = 0; i < 400 && performance.now() < until; i++) {
        early.received(s, i % 2 === 0 ? high : mid);
        await sleep(3);
      }
      expect(checks(high)).toBeGreaterThan(3);
      expect(checks(mid)).toBeGreaterThan(3);
      expect(early.consentState(s)).toBe("fresh");
    } finally {
      early.clear();
    }
    // clear() stopped both pairs' checks.
    const sent = checks();
    await sleep(100);
    expect(checks()).toBe(sent);
  });
});
