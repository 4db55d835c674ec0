import type { SocketRegistry } from "@purertc/socket";
import type { StunMessage } from "@purertc/stun";
import type { Candidate } from "../candidate.js";
import type { CandidateBase } from "./base.js";

export { type CandidateBase, SocketBase } from "./base.js";

/** A failure to get a candidate from a server (W3C `icecandidateerror`). */
export interface CandidateErrorEvent {
  /** The local base address the request left from. */
  address: string;
  port: number;
  /** The server, `stun:host:port` or `turn:host:port`. */
  url: string;
  /** STUN error code, or 701 when the server did not answer (W3C). */
  errorCode: number;
  errorText: string;
}

/**
 * What a gatherer gets from the agent. Host gathering runs first; the other
 * gatherers (server-reflexive, relay, …) then run side by side with the host
 * bases in hand.
 */
export interface GatherContext {
  /** Aborts when gathering stops or the agent closes: stop, release what you opened. */
  readonly signal: AbortSignal;
  /** The registry to open sockets through. */
  readonly registry: SocketRegistry;
  /** Owner object to open sockets for (held weakly by the registry). */
  readonly owner: object;
  /** Component ID (1). */
  readonly component: number;
  /** The local ufrag of this ICE generation. */
  readonly ufrag: string;
  /** The host bases (sockets) opened by host gathering, with their local preference. */
  readonly hostBases: ReadonlyArray<{ base: CandidateBase; localPreference: number }>;
  /**
   * Adds a new base that the agent listens on, pairs and closes with the
   * generation (a relay gatherer adds its TURN allocation here).
   */
  addBase(base: CandidateBase): void;
  /** Announces a local candidate whose packets go through `base`. */
  addCandidate(candidate: Candidate, base: CandidateBase): void;
  /** Reports a server that failed. */
  reportError(error: CandidateErrorEvent): void;
  /**
   * A STUN request from a host base to a server, with retransmission; the
   * agent routes the answer back. Rejects on timeout or abort.
   */
  stunRequest(
    base: CandidateBase,
    address: string,
    port: number,
    transactionId: Uint8Array,
    bytes: Uint8Array,
  ): Promise<StunMessage>;
}

/**
 * One way of finding local candidates beyond host ones. The seam for TURN:
 * a relay gatherer implements this and is passed in `IceAgentOptions.gatherers`.
 */
export interface CandidateGatherer {
  /** For logs and errors, e.g. `"srflx"`, `"relay"`. */
  readonly name: string;
  /** Gathers; resolves when done (or when `ctx.signal` aborts). */
  gather(ctx: GatherContext): Promise<void>;
}
