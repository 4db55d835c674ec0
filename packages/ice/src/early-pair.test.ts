import { describe, expect, it } from "vitest";
import { EarlyPair } from "./early-pair.js";
import {
  type Candidate,
  type CandidateBase,
  type CandidatePair,
  Checklist,
  candidateFoundation,
  candidatePriority,
  type LocalCandidate,
} from "./index.js";
import type { IceSession } from "./session.js";

function local(address: string, port: number): LocalCandidate {
  const base: CandidateBase = {
    kind: "socket",
    address,
    port,
    family: 4,
    send() {},
    onPacket: undefined,
    closed: false,
    close: async () => {},
  };
  return {
    base,
    candidate: {
      foundation: candidateFoundation("host", address),
      component: 1,
      transport: "udp",
      priority: candidatePriority("host", 65535),
      address,
      port,
      type: "host",
      extensions: [],
    },
  };
}

function remote(address: string, port: number, pref: number): Candidate {
  return {
    foundation: candidateFoundation("host", address),
    component: 1,
    transport: "udp",
    priority: candidatePriority("host", pref),
    address,
    port,
    type: "host",
    extensions: [],
  };
}

/**
 * A session as EarlyPair sees it: its checklist (one local, remotes of
 * falling priority) and consent checks that `answered` says the outcome of
 * (the two-agent tests in early-data.test.ts send real ones).
 */
function session(answered = false): { s: IceSession; pairs: CandidatePair[]; checks: () => number } {
  const checklist = new Checklist(true);
  const l = local("127.0.0.1", 1000);
  const pairs = [3, 2, 1].map((pref) => checklist.add(l, remote("127.0.0.1", 2000 + pref, pref * 1000))!);
  let sent = 0;
  const checks = {
    consentCheck: () => {
      sent++;
      return { result: Promise.resolve(answered), cancel: () => {} };
    },
  };
  return { s: { checklist, checks } as unknown as IceSession, pairs, checks: () => sent };
}

/** Consent timing: the default (nothing fires within a test) or `timeoutMs` with checks every 10 ms. */
function timing(timeoutMs = 30_000) {
  return timeoutMs === 30_000
    ? { intervalMs: 5000, timeoutMs, disconnectedMs: 10_000 }
    : { intervalMs: 10, timeoutMs, disconnectedMs: timeoutMs / 2 };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function valid(pair: CandidatePair, at = performance.now()): void {
  pair.state = "succeeded";
  pair.lastActivity = at;
}

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
    const early = new EarlyPair(timing(100), (state) => seen.push(state));
    try {
      valid(pairs[0]!);
      expect(early.get(s)).toBe(pairs[0]);
      for (let i = 0; i < 100 && !seen.includes("lost"); i++) await sleep(10);
      expect(seen).toEqual(["stale", "lost"]);
      expect(early.get(s)).toBeUndefined();
      expect(early.consentState(s)).toBe("lost");
      const sent = checks();
      await sleep(50);
      expect(checks()).toBe(sent);
      // A pair whose check is answered again has fresh consent: it carries data.
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
});
