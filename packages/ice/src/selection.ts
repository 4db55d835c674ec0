import { createDebug } from "@purertc/socket";
import type { StunMessage } from "@purertc/stun";
import { ConsentMonitor, type ConsentOptions, type ConsentState } from "./consent.js";
import type { CandidateBase } from "./gather/base.js";
import type { SelectedPair } from "./options.js";
import type { CandidatePair } from "./pair.js";
import type { IceSession } from "./session.js";
import type { SessionState } from "./session-state.js";

const log = createDebug("purertc:ice");

/**
 * The selected pair of an agent, the consent freshness of it (RFC 7675) and
 * the generations an ICE restart retired while they still carry that pair.
 */
export class PairSelection {
  /** The selected pair and the generation it belongs to. */
  selected: { pair: CandidatePair; session: IceSession } | undefined = undefined;
  private consent: ConsentMonitor | undefined = undefined;
  private consentValue: ConsentState = "fresh";
  private retiredSessions: IceSession[] = [];

  /** `onConsent` runs after each consent state change, until {@link clear}. */
  constructor(private readonly onConsent: (state: ConsentState) => void) {}

  /** The selected pair as the W3C `RTCIceCandidatePair`, a new object each time. */
  get pair(): SelectedPair | undefined {
    const s = this.selected;
    if (!s) return undefined;
    return { id: s.pair.id, local: s.pair.local.candidate, remote: s.pair.remote, rttMs: s.pair.rttMs };
  }

  /** Consent state of the selected pair. */
  get consentState(): ConsentState {
    return this.consentValue;
  }

  /** Generations retired by a restart that still carry the selected pair. */
  get retired(): readonly IceSession[] {
    return this.retiredSessions;
  }

  /**
   * Selects `pair` (nominated in the current generation `session`) and
   * restarts consent checks on it; returns false when it is already selected
   * or the selected pair of that generation is nominated and at least as
   * good. The retired generations are closed once a pair is selected.
   */
  select(session: IceSession, pair: CandidatePair, timing: ConsentOptions): boolean {
    const s = this.selected;
    // A later nomination wins only if it is better (or the old one is from a retired generation).
    if (
      s &&
      s.session === session &&
      s.pair !== pair &&
      s.pair.priority >= pair.priority &&
      s.pair.nominated
    ) {
      return false;
    }
    if (s?.pair === pair) return false;
    this.selected = { pair, session };
    log("selected %s", pair.toString());
    session.checklist.pruneBelow(pair);
    this.consent?.stop();
    this.consentValue = "fresh";
    this.consent = new ConsentMonitor(
      (schedule) => session.checks.consentCheck(pair, schedule),
      timing,
      this.onConsentState,
    );
    // The new generation carries the traffic now: release the old ones.
    const retired = this.retiredSessions;
    this.retiredSessions = [];
    for (const r of retired) void r.close();
    return true;
  }

  private readonly onConsentState = (state: ConsentState): void => {
    this.consentValue = state;
    log("consent %s", state);
    this.onConsent(state);
  };

  /** ICE-lite sends no consent checks: the peer's checks on the selected pair are its consent. */
  checked(session: SessionState, pair: CandidatePair): void {
    if (this.selected?.session === session && this.selected.pair === pair) this.consent?.refresh();
  }

  /**
   * A STUN response that matched no transaction in flight: if it answers a
   * recent consent check of the selected pair (authenticated, from its
   * remote, on its base), consent is refreshed and true returned.
   */
  lateResponse(
    session: SessionState,
    base: CandidateBase,
    response: StunMessage,
    address: string,
    port: number,
  ): boolean {
    const s = this.selected;
    const consent = this.consent;
    if (!s || !consent || s.session !== session) return false;
    // The id first: it is cheap, the HMAC is not.
    if (!consent.isRecent(response.transactionId)) return false;
    if (!s.session.checks.isConsentAnswer(s.pair, base, response, address, port)) return false;
    log("late consent answer %s", response.transactionIdHex);
    if (!consent.answeredLate(response.transactionId)) return false;
    s.pair.consentAt = performance.now();
    return true;
  }

  /**
   * An ICE restart retired `old` (its checks and gathering stopped): it lives
   * on while it carries the selected pair, else it is closed now.
   */
  retire(old: IceSession): void {
    if (this.selected?.session === old) this.retiredSessions.push(old);
    else void old.close();
  }

  /**
   * The path under `pair` went away (its TCP connection closed): if it is
   * the selected pair, consent is lost now rather than after the timeout.
   */
  lose(pair: CandidatePair): void {
    if (this.selected?.pair !== pair || this.consentValue === "lost") return;
    this.stopConsent();
    this.onConsentState("lost");
  }

  /** Stops consent checks (the transport is gone); the pair stays selected. */
  stopConsent(): void {
    this.consent?.stop();
    this.consent = undefined;
  }

  /** Forgets the pair, stops consent and hands back the retired generations (to close). */
  clear(): IceSession[] {
    this.stopConsent();
    this.selected = undefined;
    const retired = this.retiredSessions;
    this.retiredSessions = [];
    return retired;
  }
}
