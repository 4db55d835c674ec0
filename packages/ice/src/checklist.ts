import { addressFamily, type Candidate } from "./candidate.js";
import { CandidatePair, type LocalCandidate } from "./pair.js";

/** Most pairs one checklist holds (RFC 8445 §6.1.2.5 suggests 100). */
export const DEFAULT_MAX_PAIRS = 100;

/**
 * The checklist of one data stream (RFC 8445 §6.1.2): candidate pairs
 * ordered by priority, their states, and the triggered-check queue. It only
 * orders and picks; the agent sends the checks.
 *
 * Pair states: frozen → waiting → in-progress → succeeded | failed, and a
 * triggered check puts a pair back in the queue from any state but
 * in-progress.
 */
export class Checklist {
  private pairs: CandidatePair[] = [];
  private triggered: CandidatePair[] = [];

  constructor(
    private controlling: boolean,
    private readonly maxPairs = DEFAULT_MAX_PAIRS,
  ) {}

  /** All pairs, highest priority first. */
  get all(): readonly CandidatePair[] {
    return this.pairs;
  }

  get size(): number {
    return this.pairs.length;
  }

  /**
   * Pairs a local candidate with a remote one, if they can be paired (same
   * component, same IP family, same transport with TCP directions that fit,
   * remote address resolved), and adds the
   * pair unless one with the same base and remote exists (RFC 8445 §6.1.2.4:
   * server-reflexive locals are replaced by their base, so they add
   * nothing). Returns the new pair, or undefined.
   */
  add(local: LocalCandidate, remote: Candidate): CandidatePair | undefined {
    if (!canPair(local, remote)) return undefined;
    if (local.candidate.type === "srflx") return undefined; // its base pairs as host
    const existing = this.find(local.base, remote.address, remote.port);
    if (existing) return undefined;
    const pair = new CandidatePair(local, remote);
    pair.updatePriority(this.controlling);
    this.insert(pair);
    if (this.pairs.length > this.maxPairs) this.evict();
    // Unfreeze the first pair of a foundation not yet seen (RFC 8445 §6.1.2.6
    // for one data stream): it becomes Waiting, the others stay Frozen.
    if (pair.state === "frozen" && !this.pairs.some((p) => p !== pair && p.foundation === pair.foundation)) {
      pair.state = "waiting";
    }
    return this.pairs.includes(pair) ? pair : undefined;
  }

  /**
   * Drops the lowest-priority pair that is not being checked or used. Not
   * one that lost consent: the peer's next check would re-create it without
   * the mark (RFC 7675 §5.1); only past twice `maxPairs` (a peer churning
   * paths) do those go too, so memory stays bounded.
   */
  private evict(): void {
    const keepLost = this.pairs.length <= 2 * this.maxPairs;
    for (let i = this.pairs.length - 1; i >= 0; i--) {
      const p = this.pairs[i]!;
      if (p.state !== "frozen" && p.state !== "waiting" && p.state !== "failed") continue;
      if (p.consentLost && keepLost) continue;
      this.remove(p);
      return;
    }
  }

  /** The pair with this base and remote transport address. */
  find(base: LocalCandidate["base"], address: string, port: number): CandidatePair | undefined {
    return this.pairs.find(
      (p) => p.local.base === base && p.remote.port === port && p.remote.address === address,
    );
  }

  /** Queues a triggered check (RFC 8445 §7.3.1.4), at most once. */
  trigger(pair: CandidatePair): void {
    if (!this.pairs.includes(pair) || this.triggered.includes(pair)) return;
    if (pair.state !== "in-progress") pair.state = "waiting";
    this.triggered.push(pair);
  }

  /**
   * The pair to check at the next Ta tick (RFC 8445 §6.1.4.2): the head of
   * the triggered queue, else the highest-priority Waiting pair, else the
   * highest-priority Frozen pair; undefined when none is left.
   */
  next(): CandidatePair | undefined {
    while (this.triggered.length > 0) {
      const pair = this.triggered.shift()!;
      if (this.pairs.includes(pair)) return pair;
    }
    return this.pairs.find((p) => p.state === "waiting") ?? this.pairs.find((p) => p.state === "frozen");
  }

  /** True while a check could still be started or is in flight. */
  get pending(): boolean {
    return (
      this.triggered.length > 0 ||
      this.pairs.some((p) => p.state === "waiting" || p.state === "frozen" || p.state === "in-progress")
    );
  }

  /** After a success: pairs of the same foundation become Waiting (RFC 8445 §7.2.5.3.3). */
  unfreeze(foundation: string): void {
    for (const p of this.pairs) if (p.state === "frozen" && p.foundation === foundation) p.state = "waiting";
  }

  /** The role changed: recompute priorities and re-sort (RFC 8445 §7.2.5.1). */
  setControlling(controlling: boolean): void {
    this.controlling = controlling;
    for (const p of this.pairs) p.updatePriority(controlling);
    this.pairs.sort(byPriority);
  }

  /**
   * After a nomination (RFC 8445 §8.1.2): pairs of lower priority that were
   * never checked leave the checklist and the triggered queue, and checks in
   * flight on lower-priority pairs stop (those pairs fail). Pairs that
   * succeeded stay: they still carry data the peer may send on them.
   */
  pruneBelow(nominated: CandidatePair): void {
    for (const p of [...this.pairs]) {
      if (p === nominated || p.priority >= nominated.priority) continue;
      if (p.state === "waiting" || p.state === "frozen") this.remove(p);
      else if (p.state === "in-progress") {
        p.cancelCheck?.();
        p.cancelCheck = undefined;
        p.state = "failed";
      }
    }
  }

  /** Cancels all checks in flight and forgets every pair. */
  clear(): void {
    for (const p of this.pairs) {
      p.cancelCheck?.();
      p.cancelCheck = undefined;
    }
    this.pairs = [];
    this.triggered = [];
  }

  private insert(pair: CandidatePair): void {
    let i = this.pairs.findIndex((p) => p.priority < pair.priority);
    if (i < 0) i = this.pairs.length;
    this.pairs.splice(i, 0, pair);
  }

  private remove(pair: CandidatePair): void {
    pair.cancelCheck?.();
    pair.cancelCheck = undefined;
    this.pairs = this.pairs.filter((p) => p !== pair);
    this.triggered = this.triggered.filter((p) => p !== pair);
  }
}

function byPriority(a: CandidatePair, b: CandidatePair): number {
  return a.priority > b.priority ? -1 : a.priority < b.priority ? 1 : 0;
}

/** Whether a local and a remote candidate can form a pair (RFC 8445 §6.1.2.2). */
export function canPair(local: LocalCandidate, remote: Candidate): boolean {
  if (local.candidate.component !== remote.component) return false;
  const transport = remote.transport.toLowerCase();
  if (transport !== (local.base.transport ?? "udp")) return false;
  // RFC 6544 §6.2: active pairs with passive, passive with active. An active
  // remote is reachable only through the connection it opens to us: its
  // pairs come from its checks (peer-reflexive), never from signalling.
  if (transport === "tcp") {
    if (local.base.tcpType === "active" && remote.tcpType !== "passive") return false;
    if (local.base.tcpType === "passive" && (remote.tcpType !== "active" || remote.type !== "prflx"))
      return false;
  }
  const family = addressFamily(remote.address);
  if (family === 0 || family !== local.base.family) return false;
  // Nothing can be sent to port 0 or to an unspecified address.
  if (remote.port === 0 || remote.address === "0.0.0.0" || remote.address === "::") return false;
  // A link-local IPv6 remote needs a scope we cannot give it.
  if (family === 6 && /^fe[89ab]/i.test(remote.address)) return false;
  return true;
}
