import {
  type Candidate,
  type CandidateBase,
  type CandidatePair,
  Checklist,
  candidateFoundation,
  candidatePriority,
  type LocalCandidate,
} from "../index.js";
import type { IceSession } from "../session.js";

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
 * (the two-agent tests in early-consent*.test.ts send real ones); `checks`
 * counts those sent, on one pair or on all.
 */
export function session(answered = false): {
  s: IceSession;
  pairs: CandidatePair[];
  checks: (pair?: CandidatePair) => number;
} {
  const checklist = new Checklist(true);
  const l = local("127.0.0.1", 1000);
  const pairs = [3, 2, 1].map((pref) => checklist.add(l, remote("127.0.0.1", 2000 + pref, pref * 1000))!);
  const sent = new Map<CandidatePair, number>();
  const checks = {
    consentCheck: (pair: CandidatePair) => {
      sent.set(pair, (sent.get(pair) ?? 0) + 1);
      return { result: Promise.resolve(answered), cancel: () => {} };
    },
    // What CheckScheduler.consentLost does to the pair (the real one: early-consent-loss.test.ts).
    consentLost: (pair: CandidatePair) => {
      pair.consentLost = true;
      pair.state = "failed";
    },
  };
  const count = (pair?: CandidatePair) =>
    pair ? (sent.get(pair) ?? 0) : [...sent.values()].reduce((a, b) => a + b, 0);
  return { s: { checklist, checks, closed: false } as unknown as IceSession, pairs, checks: count };
}

/** Consent timing: the default (nothing fires within a test) or `timeoutMs` with checks every 10 ms. */
export function timing(timeoutMs = 30_000) {
  return timeoutMs === 30_000
    ? { intervalMs: 5000, timeoutMs, disconnectedMs: 10_000 }
    : { intervalMs: 10, timeoutMs, disconnectedMs: timeoutMs / 2 };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Our check on `pair` was answered `at`. */
export function valid(pair: CandidatePair, at = performance.now()): void {
  pair.state = "succeeded";
  pair.lastActivity = at;
  pair.consentAt = at;
}
