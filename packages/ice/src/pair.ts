import { type Candidate, candidateAddress } from "./candidate.js";
import type { CandidateBase } from "./gather/base.js";

/** Pair states of RFC 8445 §6.1.2.6. */
export type PairState = "frozen" | "waiting" | "in-progress" | "succeeded" | "failed";

/** A local candidate with the base it sends from. */
export interface LocalCandidate {
  readonly candidate: Candidate;
  /** The socket (or relay) the candidate's checks and data go through. */
  readonly base: CandidateBase;
}

/**
 * Pair priority (RFC 8445 §6.1.2.3), where G is the controlling agent's
 * candidate priority and D the controlled one's:
 * `2^32 · min(G, D) + 2 · max(G, D) + (G > D ? 1 : 0)`. Needs 64 bits: bigint.
 */
export function pairPriority(controlling: number, controlled: number): bigint {
  const g = BigInt(controlling);
  const d = BigInt(controlled);
  const min = g < d ? g : d;
  const max = g < d ? d : g;
  return (min << 32n) + 2n * max + (g > d ? 1n : 0n);
}

let nextPairId = 1;

/** One candidate pair of a checklist, with its check state. */
export class CandidatePair {
  /** Stable id for stats and events (`pair-N`). */
  readonly id = `pair-${nextPairId++}`;
  state: PairState = "frozen";
  /** Priority for the current role; recomputed when the role changes. */
  priority = 0n;
  /** Nominated (RFC 8445 §8.1): the controlling agent chose it. */
  nominated = false;
  /** The peer asked to nominate it (USE-CANDIDATE) before its check succeeded. */
  nominateOnSuccess = false;
  /** Our check with USE-CANDIDATE is in flight (controlling, regular nomination). */
  nominating = false;
  /** Cancels the STUN transaction of the check in flight, if any. */
  cancelCheck: (() => void) | undefined = undefined;
  /** performance.now() of the last success response or request received on it (stats). */
  lastActivity = 0;
  /**
   * performance.now() of the last authenticated success response to our own
   * check on it: its consent (RFC 7675 §5.1). A request from the peer is no
   * consent, so it does not move this.
   */
  consentAt = 0;
  /**
   * Consent on it was lost while it carried data: not used again in this
   * generation, even if the peer checks it (RFC 7675 §5.1, only an ICE restart).
   */
  consentLost = false;
  /** Round-trip time of the last successful check, ms. */
  rttMs: number | undefined = undefined;

  constructor(
    readonly local: LocalCandidate,
    readonly remote: Candidate,
  ) {}

  /** The transport address pair as `local -> remote`. */
  toString(): string {
    return `${candidateAddress(this.local.candidate)} -> ${candidateAddress(this.remote)}`;
  }

  /** Computes the priority for a role. */
  updatePriority(controlling: boolean): void {
    const l = this.local.candidate.priority;
    const r = this.remote.priority;
    this.priority = controlling ? pairPriority(l, r) : pairPriority(r, l);
  }

  /** Foundation of the pair: local and remote foundations (RFC 8445 §6.1.2.6). */
  get foundation(): string {
    return `${this.local.candidate.foundation}:${this.remote.foundation}`;
  }
}
