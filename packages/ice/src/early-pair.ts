import { createDebug } from "@purertc/socket";
import type { StunMessage } from "@purertc/stun";
import { ConsentMonitor, type ConsentOptions, type ConsentState } from "./consent.js";
import type { CandidateBase } from "./gather/base.js";
import type { CandidatePair } from "./pair.js";
import type { IceSession } from "./session.js";

const log = createDebug("purertc:ice");

/**
 * Consent of the pair data goes on before nomination, or `gone` when the
 * one that carried data failed a check and no other valid pair took over.
 */
export type EarlyState = ConsentState | "gone";

/**
 * The pair data goes on before nomination completes (RFC 8445 §12.1: "an
 * agent MAY send data on a valid pair before nomination"), as Chromium
 * (a writable connection) and pion (`getBestValidCandidatePair`) do: the pair
 * the peer's last datagram came on when it is valid for us (so a DTLS server
 * answers on the path its ClientHello took), else the best valid pair of the
 * generation. Only while nothing is selected: once a pair is, data goes on it.
 *
 * Consent (RFC 7675 §5.1) runs on whatever pair data goes on, nominated or
 * not: a pair is taken only while the last authenticated answer to our own
 * check on it (`consentAt`, not the peer's checks) is younger than the
 * consent timeout, and from then on a {@link ConsentMonitor} checks it as it
 * checks a selected pair. Each pair that carried data keeps its monitor (and
 * its schedule) while data moves between pairs, so a peer alternating paths
 * cannot starve consent. A pair whose consent is lost is failed for good in
 * this generation (no check revives it before an ICE restart); another fresh
 * valid pair may take over and, with none, {@link consentState} says `lost`.
 */
export class EarlyPair {
  private pair: CandidatePair | undefined = undefined;
  private session: IceSession | undefined = undefined;
  /** Consent of each pair that carried data in `session` and is still valid (bounded by its checklist). */
  private readonly monitors = new Map<CandidatePair, ConsentMonitor>();
  /** A pair carried data since the last {@link clear} (so none now means it was lost). */
  private hadPair = false;
  /** The last pair in use lost consent (rather than failing a check). */
  private lostConsent = false;
  /** The last pair taken (still set once it is dropped): a take of another is a switch. */
  private last: CandidatePair | undefined = undefined;

  /**
   * @param timing consent freshness timing (the agent's, as for a selected pair).
   * @param onConsent runs after each consent state change of the pair in use, and with the
   *   new pair's state when data moves to another pair (a switch changes the state too).
   */
  constructor(
    private readonly timing: ConsentOptions,
    private readonly onConsent: (state: ConsentState) => void,
  ) {}

  /** The pair to send on in `session` now, or undefined when none is valid with consent. */
  get(session: IceSession): CandidatePair | undefined {
    const p = this.pair;
    if (p !== undefined && this.session === session && usable(p)) return p;
    this.pair = undefined;
    this.enter(session);
    this.prune();
    // One clock reading for the freshness test and the monitor's start (see take).
    const now = performance.now();
    // Highest priority first: the best valid pair.
    for (const candidate of session.checklist.all) {
      if (this.fresh(candidate, now) && this.take(session, candidate, now)) {
        if (log.enabled) log("early data on %s", candidate.toString());
        break;
      }
    }
    return this.pair;
  }

  /**
   * Consent of the pair in use in `session`: undefined when no pair has
   * carried data yet (or it is another generation); when none carries data
   * now, `lost` if the last one lost consent, `gone` if it failed a check
   * (a triggered or nominating check timed out, its TCP connection closed).
   */
  consentState(session: IceSession): EarlyState | undefined {
    // Called on each change of the session: the monitors of pairs that failed a check stop now.
    if (this.session === session) this.prune();
    const p = this.get(session);
    if (p !== undefined) return this.monitors.get(p)?.state;
    if (this.lostConsent) return "lost";
    return this.hadPair ? "gone" : undefined;
  }

  /** A datagram from the peer came on `pair` of `session`: answers go back on it if it is valid. */
  received(session: IceSession, pair: CandidatePair): void {
    const now = performance.now();
    if ((pair === this.pair && this.session === session) || !this.fresh(pair, now)) return;
    this.enter(session);
    this.prune();
    if (this.take(session, pair, now) && log.enabled)
      log("early data on %s (the peer's path)", pair.toString());
  }

  /**
   * A STUN response that matched no transaction in flight: if it answers a
   * recent consent check of a pair that carried data (see
   * `PairSelection.lateResponse`), its consent is refreshed and true returned.
   */
  lateResponse(
    session: IceSession,
    base: CandidateBase,
    response: StunMessage,
    address: string,
    port: number,
  ): boolean {
    if (this.session !== session) return false;
    const id = response.transactionId;
    for (const [pair, consent] of this.monitors) {
      // The id first: it is cheap, the HMAC is not.
      if (!consent.isRecent(id)) continue;
      if (!session.checks.isConsentAnswer(pair, base, response, address, port)) return false;
      if (!consent.answeredLate(id)) return false;
      pair.consentAt = performance.now();
      return true;
    }
    return false;
  }

  /** Forgets the pairs and stops their consent checks (a pair was selected, a restart, close). */
  clear(): void {
    this.stopAll();
    this.pair = undefined;
    this.session = undefined;
    this.hadPair = false;
    this.lostConsent = false;
    this.last = undefined;
  }

  /** Moves to `session`: the monitors and history of another generation go. */
  private enter(session: IceSession): void {
    if (this.session === session) return;
    this.stopAll();
    this.hadPair = false;
    this.lostConsent = false;
    this.last = undefined;
    this.session = session;
  }

  /**
   * Makes `pair` the one data goes on, with its monitor; false (nothing
   * changed) when its consent is already lost at `now`, the instant
   * {@link fresh} judged it at: a monitor started from a second clock
   * reading could start `lost`, report nothing and stay the data pair.
   */
  private take(session: IceSession, pair: CandidatePair, now: number): boolean {
    let monitor = this.monitors.get(pair);
    if (!monitor) {
      // Consent runs from the answer that made the pair valid, not from now.
      monitor = new ConsentMonitor(
        (schedule) => session.checks.consentCheck(pair, schedule),
        this.timing,
        (state) => this.onMonitor(session, pair, state),
        pair.consentAt,
        now,
      );
      // (Stopped already; consentLost is not set: the caller found it fresh.)
      if (monitor.state === "lost") return false;
      this.monitors.set(pair, monitor);
    }
    this.pair = pair;
    this.hadPair = true;
    this.lostConsent = false;
    const switched = this.last !== undefined && this.last !== pair;
    this.last = pair;
    // Data moved to another pair: its consent (perhaps stale) is the state now, reported at once.
    if (switched) this.onConsent(monitor.state);
    return true;
  }

  private onMonitor(session: IceSession, pair: CandidatePair, state: ConsentState): void {
    const current = pair === this.pair;
    if (state === "lost") {
      this.monitors.delete(pair);
      if (current) {
        this.pair = undefined;
        this.lostConsent = true;
      }
      // Failed for good: the peer's next check must not bring it back (RFC 7675 §5.1).
      session.checks.consentLost(pair);
    }
    if (current) this.onConsent(state);
  }

  /** Stops the monitors of pairs that are no longer valid (they failed a check). */
  private prune(): void {
    for (const [pair, monitor] of this.monitors) {
      if (pair === this.pair || usable(pair)) continue;
      monitor.stop();
      this.monitors.delete(pair);
    }
  }

  private stopAll(): void {
    for (const monitor of this.monitors.values()) monitor.stop();
    this.monitors.clear();
  }

  private fresh(p: CandidatePair, now: number): boolean {
    return usable(p) && now - p.consentAt < this.timing.timeoutMs;
  }
}

/** Valid and never lost consent. */
function usable(p: CandidatePair): boolean {
  return p.state === "succeeded" && !p.consentLost;
}
