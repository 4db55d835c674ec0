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
import type { SessionState } from "./session-state.js";

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

/** A session as EarlyPair sees it: its checklist (one local, remotes of falling priority). */
function session(): { s: SessionState; pairs: CandidatePair[] } {
  const checklist = new Checklist(true);
  const l = local("127.0.0.1", 1000);
  const pairs = [3, 2, 1].map((pref) => checklist.add(l, remote("127.0.0.1", 2000 + pref, pref * 1000))!);
  return { s: { checklist } as unknown as SessionState, pairs };
}

function valid(pair: CandidatePair, at = performance.now()): void {
  pair.state = "succeeded";
  pair.lastActivity = at;
}

describe("EarlyPair: the pair data goes on before nomination (RFC 8445 §12.1)", () => {
  it("none before a pair is valid; then the best valid one", () => {
    const { s, pairs } = session();
    const early = new EarlyPair(30_000);
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
  });

  it("the pair the peer's datagram came on, when it is valid for us", () => {
    const { s, pairs } = session();
    const early = new EarlyPair(30_000);
    const [high, mid, low] = pairs as [CandidatePair, CandidatePair, CandidatePair];
    valid(high);
    valid(low);
    expect(early.get(s)).toBe(high);
    early.received(s, low);
    expect(early.get(s)).toBe(low);
    // A pair not valid for us (our check on it unanswered) is not answered on.
    early.received(s, mid);
    expect(early.get(s)).toBe(low);
  });

  it("not a pair whose last check is older than the consent timeout (RFC 7675)", () => {
    const { s, pairs } = session();
    const early = new EarlyPair(1000);
    const [high, mid] = pairs as [CandidatePair, CandidatePair];
    valid(high, performance.now() - 1001);
    expect(early.get(s)).toBeUndefined();
    valid(mid);
    expect(early.get(s)).toBe(mid);
    mid.lastActivity = performance.now() - 2000;
    expect(early.get(s)).toBeUndefined();
  });

  it("a pair of another generation is not used", () => {
    const first = session();
    const second = session();
    const early = new EarlyPair(30_000);
    valid(first.pairs[0]!);
    expect(early.get(first.s)).toBe(first.pairs[0]);
    expect(early.get(second.s)).toBeUndefined();
    valid(second.pairs[1]!);
    expect(early.get(second.s)).toBe(second.pairs[1]);
  });
});
