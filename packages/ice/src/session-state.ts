import { SocketRegistry } from "@purertc/socket";
import type { StunKey, StunMessage, TransactionResult } from "@purertc/stun";
import type { Candidate } from "./candidate.js";
import type { Checklist } from "./checklist.js";
import type { IceCredentials } from "./credentials.js";
import type { IceError } from "./errors.js";
import type { CandidateBase } from "./gather/base.js";
import type { CandidateErrorEvent } from "./gather/index.js";
import type { CandidatePair, LocalCandidate } from "./pair.js";
import type { RetransmitOptions } from "./retransmit.js";

/** Gathering states (W3C `RTCIceGatheringState`). */
export type GatheringState = "new" | "gathering" | "complete";

/** Timing of checks. */
export interface SessionTiming {
  ta: number;
  check: RetransmitOptions;
  server: RetransmitOptions;
  nominationTimeoutMs: number;
}

/**
 * What the parts of one ICE generation (gathering, sending checks, answering
 * checks) see of its session. Its own file so that they and `IceSession`
 * depend on it, not on each other.
 */
export interface SessionState {
  readonly local: IceCredentials;
  readonly localKey: StunKey;
  readonly remote: IceCredentials | undefined;
  readonly remoteKey: StunKey | undefined;
  readonly component: number;
  readonly timing: SessionTiming;
  readonly signal: AbortSignal;
  readonly closed: boolean;
  readonly gatheringState: GatheringState;
  /** The agent's callbacks; no-ops once closed. */
  readonly host: SessionHost;
  readonly checklist: Checklist;
  readonly localCandidates: LocalCandidate[];
  readonly remoteCandidates: Candidate[];
  /** performance.now() of the last remote candidate (signalled or peer-reflexive). */
  lastRemoteCandidateAt: number;
  /** Takes a new base: its packets come to the session, its STUN transactions too. */
  addBase(base: CandidateBase): void;
  /** Adds a local candidate on `base`, announces it and pairs it. */
  addLocalCandidate(candidate: Candidate, base: CandidateBase): void;
  /** A peer-reflexive local candidate learned from a check's mapped address. */
  learnLocalPrflx(pair: CandidatePair, address: string, port: number): void;
  /** One STUN client transaction from `base` (see `IceSession.request`). */
  request(
    base: CandidateBase,
    bytes: Uint8Array,
    transactionId: Uint8Array,
    to: { address: string; port: number },
    schedule: RetransmitOptions,
    key?: StunKey,
  ): { result: Promise<TransactionResult>; cancel: () => void };
}

/** What a session needs from the agent that owns it (callbacks, no back-reference). */
export interface SessionHost {
  readonly registry: SocketRegistry;
  controlling(): boolean;
  /** ICE-lite: never sends checks, never changes role, selects what the peer nominates. */
  readonly lite: boolean;
  readonly tieBreaker: bigint;
  /** Switch role after a conflict (RFC 8445 §7.3.1.1, §7.2.5.1). */
  switchRole(controlling: boolean): void;
  /** Whether checks may be sent (the agent was started). */
  started(): boolean;
  onLocalCandidate(session: SessionState, candidate: Candidate | null): void;
  onGatheringState(session: SessionState): void;
  onCandidateError(error: CandidateErrorEvent): void;
  /** A pair was nominated (either side): the agent selects. */
  onNominated(session: SessionState, pair: CandidatePair): void;
  /** Something changed that may change the agent state. */
  onChange(): void;
  /** An authenticated check from the peer arrived on `pair` (consent of an ICE-lite agent). */
  onCheck(session: SessionState, pair: CandidatePair): void;
  /** A non-STUN datagram from a known remote on this session's base, on `pair`. */
  onData(data: Uint8Array, session: SessionState, pair: CandidatePair): void;
  /**
   * A STUN response that matched no transaction in flight: true if it was a
   * late answer to a consent check of the selected pair (consent refreshed).
   */
  onLateResponse(
    session: SessionState,
    base: CandidateBase,
    response: StunMessage,
    address: string,
    port: number,
  ): boolean;
  /** A dropped packet, for counters. */
  onDrop(reason: string): void;
  /** The shared socket under a base went away (its UdpMux closed): the agent fails. */
  onTransportLost(error: IceError): void;
  /** The connection under a pair went away (ICE over TCP): if it is the selected pair, consent is lost. */
  onPairGone(session: SessionState, pair: CandidatePair): void;
}

const noop = () => {};
/** Callbacks of a closed session: they do nothing (it never opens a socket). */
export const closedHost: SessionHost = {
  registry: SocketRegistry.default,
  controlling: () => false,
  lite: false,
  tieBreaker: 0n,
  switchRole: noop,
  started: () => false,
  onLocalCandidate: noop,
  onGatheringState: noop,
  onCandidateError: noop,
  onNominated: noop,
  onCheck: noop,
  onChange: noop,
  onData: noop,
  onLateResponse: () => false,
  onDrop: noop,
  onTransportLost: noop,
  onPairGone: noop,
};
