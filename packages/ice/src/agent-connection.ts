import type { EventEmitter } from "node:events";
import { createDebug } from "@purertc/socket";
import type { StunMessage } from "@purertc/stun";
import type { ConsentOptions } from "./consent.js";
import { EarlyPair } from "./early-pair.js";
import { IceError } from "./errors.js";
import type { CandidateBase } from "./gather/base.js";
import type { IceAgentEvents, IceAgentOptions, IceTransportState, SelectedPair } from "./options.js";
import type { CandidatePair } from "./pair.js";
import { PairSelection } from "./selection.js";
import type { IceSession } from "./session.js";
import type { SessionState } from "./session-state.js";
import { AssumedEndOfCandidates, transportState } from "./transport-state.js";
import { PairWaiters } from "./waiters.js";

const log = createDebug("purertc:ice");

/** What the connection needs of the agent's options. */
export interface ConnectionOptions extends Pick<IceAgentOptions, "assumeEndOfCandidatesAfterMs"> {
  /** ICE-lite: no checks of its own, so no valid pair before one is selected. */
  lite: boolean;
  /** Consent freshness timing (RFC 7675), for a valid pair data goes on before nomination. */
  consent: ConsentOptions;
}

/** What the agent tells its connection each time the state is looked at again. */
export interface AgentFacts {
  closing: boolean;
  started: boolean;
  /** The current generation. */
  session: IceSession;
}

/**
 * The connection side of an {@link IceAgent}: its W3C transport state, the
 * pair data goes on (the selected one; before nomination a valid one, RFC
 * 8445 §12.1), selection (nomination to selection, consent freshness), the
 * pending `connect()` calls and why it failed when its transport went away.
 * The agent keeps the generations, gathering and the public API.
 *
 * The state is `connected` from the first valid pair, before nomination
 * completes, as Chromium reports it (`writable`); `connect()` still waits for
 * the selected pair. Consent runs on that pair as on a selected one, and its
 * loss moves the state the same way (`disconnected`, then `failed`). A peer
 * that never nominates leaves the agent `connected` (never `completed`) for
 * as long as it answers consent checks, as Chromium does (see the README's
 * "Data before nomination").
 */
export class AgentConnection {
  readonly selection: PairSelection;
  private readonly assumedEnd: AssumedEndOfCandidates;
  private readonly waiters = new PairWaiters();
  /** The pair data goes on before one is selected; undefined for ICE-lite. */
  private readonly early: EarlyPair | undefined;
  private stateValue: IceTransportState = "new";
  /**
   * The generation the state went `failed` in: W3C `failed` is terminal
   * until an ICE restart (a new generation), so nothing in this one (a
   * late nomination, the peer's USE-CANDIDATE) moves it back.
   */
  private failedIn: IceSession | undefined = undefined;
  /** Latched first in {@link close}: nothing takes a pair or moves the state after (its own listeners included). */
  private closed = false;
  /** Why the agent failed when its transport went away under it (a closed UdpMux). */
  lost: IceError | undefined = undefined;

  /**
   * @param facts read at each state update (the agent's `closing`, `started`, current generation).
   * @param events the agent, to emit `statechange` and `selectedcandidatepairchange` on.
   */
  constructor(
    private readonly facts: () => AgentFacts,
    private readonly events: Pick<EventEmitter<IceAgentEvents>, "emit">,
    options: ConnectionOptions,
  ) {
    this.selection = new PairSelection(this.update);
    this.assumedEnd = new AssumedEndOfCandidates(options, this.update);
    this.early = options.lite ? undefined : new EarlyPair(options.consent, this.update);
  }

  /**
   * The pair to send data on: the selected one while it has consent; before
   * any is selected, a valid pair of `session` (see {@link EarlyPair}).
   * Undefined when there is none or the transport is gone.
   */
  dataPair(session: IceSession): CandidatePair | undefined {
    if (this.lost || this.closed || this.failedIn === session) return undefined;
    const s = this.selection.selected;
    if (s) return this.selection.consentState === "lost" ? undefined : s.pair;
    return this.early?.get(session);
  }

  /** A datagram from the peer came on `pair` (before a selection, answers go back on it). */
  received(session: SessionState, pair: CandidatePair): void {
    if (this.selection.selected !== undefined || !this.early || this.lost || this.closed) return;
    const current = this.facts().session;
    if (session === current && this.failedIn !== current) this.early.received(current, pair);
  }

  /**
   * A STUN response that matched no transaction in flight: a late answer to
   * a consent check of the selected pair, or of the valid pair data goes on
   * before nomination (see `PairSelection.lateResponse`).
   */
  lateResponse(
    session: SessionState,
    base: CandidateBase,
    response: StunMessage,
    address: string,
    port: number,
  ): boolean {
    if (this.closed) return false;
    if (this.selection.lateResponse(session, base, response, address, port)) return true;
    const current = this.facts().session;
    if (this.selection.selected !== undefined || session !== current) return false;
    return this.early?.lateResponse(current, base, response, address, port) ?? false;
  }

  /** An ICE restart: a valid pair of the old generation no longer carries data. */
  restarted(): void {
    this.early?.clear();
  }

  /** Transport state (W3C `RTCIceTransport.state`). */
  get state(): IceTransportState {
    return this.stateValue;
  }

  /** The error `connect()` rejects with once the agent failed. */
  get failure(): IceError {
    return this.lost ?? new IceError("ERR_STATE", "ICE failed: no candidate pair works");
  }

  /** A promise for the selected pair (see `IceAgent.connect`). */
  waitForPair(signal?: AbortSignal): Promise<SelectedPair> {
    return this.waiters.wait(signal);
  }

  /**
   * A pair was nominated in `session`: selects it when it is the current
   * generation and the pair wins, then tells listeners and waiters.
   */
  nominated(session: SessionState, pair: CandidatePair, timing: ConsentOptions): void {
    const f = this.facts();
    if (this.closed || f.closing || session !== f.session || this.failedIn === f.session) return;
    if (!this.selection.select(f.session, pair, timing)) return;
    this.early?.clear();
    const selected = this.selection.pair!;
    this.events.emit("selectedcandidatepairchange", selected);
    this.waiters.resolveAll(selected);
    this.update();
  }

  /** The transport under the agent went away (its UdpMux closed): the agent fails. */
  transportLost(error: IceError): void {
    if (this.closed || this.facts().closing || this.lost) return;
    this.lost = error;
    log("transport lost: %s", error.message);
    this.selection.stopConsent();
    this.early?.clear();
    this.update();
  }

  /** Looks at the state again (class field: handed to sessions and timers). */
  readonly update = (): void => {
    const f = this.facts();
    if (this.closed || f.closing || this.failedIn === f.session) return;
    const selectedSession = this.selection.selected?.session;
    this.setState(
      transportState({
        closing: f.closing,
        lost: this.lost !== undefined,
        started: f.started,
        session: f.session,
        selectedSession,
        // Once the transport is lost, no pair (and no consent monitor) is taken again.
        early:
          selectedSession === undefined && this.lost === undefined
            ? this.early?.consentState(f.session)
            : undefined,
        consentState: this.selection.consentState,
        assumeRemoteEnded: this.assumedEnd.check,
      }),
    );
  };

  /**
   * Closed: state `closed`, pending `connect()` calls rejected; returns the
   * retired generations still carrying the selected pair, to close.
   */
  close(): IceSession[] {
    this.closed = true;
    this.assumedEnd.stop();
    const retired = this.selection.clear();
    this.early?.clear();
    this.setState("closed");
    this.waiters.rejectAll(() => new IceError("ERR_CLOSED", "the ICE agent was closed"));
    return retired;
  }

  private setState(state: IceTransportState): void {
    if (state === this.stateValue) return;
    // Through `connected` on the way to `completed`, as browsers do.
    if (state === "completed" && (this.stateValue === "new" || this.stateValue === "checking")) {
      this.setState("connected");
      if (this.facts().closing || (this.stateValue as IceTransportState) !== "connected") return;
    }
    this.stateValue = state;
    if (state === "failed") this.failedIn = this.facts().session;
    log("state %s", state);
    this.events.emit("statechange", state);
    if (state === "failed") this.waiters.rejectAll(this.failure);
  }
}
