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
 * not: a pair is taken only while its last check (ours answered, or the
 * peer's received) is younger than the consent timeout, and from then on a
 * {@link ConsentMonitor} checks it as it checks a selected pair. So a peer
 * that nominates late, or never, keeps a consent-checked path; when consent
 * on it is lost the pair is dropped (another fresh valid pair may take over)
 * and, with none, {@link consentState} says `lost`.
 */
export class EarlyPair {
  private pair: CandidatePair | undefined = undefined;
  private session: IceSession | undefined = undefined;
  private consent: ConsentMonitor | undefined = undefined;
  /** A pair carried data since the last {@link clear} (so none now means it was lost). */
  private hadPair = false;
  /** The last pair in use lost consent (rather than failing a check). */
  private lostConsent = false;

  /**
   * @param timing consent freshness timing (the agent's, as for a selected pair).
   * @param onConsent runs after each consent state change of the pair in use.
   */
  constructor(
    private readonly timing: ConsentOptions,
    private readonly onConsent: (state: ConsentState) => void,
  ) {}

  /** The pair to send on in `session` now, or undefined when none is valid with consent. */
  get(session: IceSession): CandidatePair | undefined {
    const p = this.pair;
    if (
      p !== undefined &&
      this.session === session &&
      p.state === "succeeded" &&
      this.consent?.state !== "lost"
    )
      return p;
    if (p !== undefined) this.drop();
    if (this.session !== session) {
      this.hadPair = false;
      this.lostConsent = false;
    }
    this.session = session;
    // Highest priority first: the best valid pair.
    for (const candidate of session.checklist.all) {
      if (this.fresh(candidate)) {
        this.take(session, candidate);
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
    if (this.get(session) !== undefined) return this.consent?.state;
    if (this.lostConsent) return "lost";
    return this.hadPair ? "gone" : undefined;
  }

  /** A datagram from the peer came on `pair` of `session`: answers go back on it if it is valid. */
  received(session: IceSession, pair: CandidatePair): void {
    if (pair === this.pair || !this.fresh(pair)) return;
    this.drop();
    this.session = session;
    this.take(session, pair);
    if (log.enabled) log("early data on %s (the peer's path)", pair.toString());
  }

  /**
   * A STUN response that matched no transaction in flight: if it answers a
   * recent consent check of the pair in use (see `PairSelection.lateResponse`),
   * consent is refreshed and true returned.
   */
  lateResponse(
    session: IceSession,
    base: CandidateBase,
    response: StunMessage,
    address: string,
    port: number,
  ): boolean {
    const p = this.pair;
    const consent = this.consent;
    if (!p || !consent || this.session !== session) return false;
    if (!consent.isRecent(response.transactionId)) return false;
    if (!session.checks.isConsentAnswer(p, base, response, address, port)) return false;
    return consent.answeredLate(response.transactionId);
  }

  /** Forgets the pair and stops its consent checks (a pair was selected, a restart, close). */
  clear(): void {
    this.drop();
    this.session = undefined;
    this.hadPair = false;
    this.lostConsent = false;
  }

  private take(session: IceSession, pair: CandidatePair): void {
    this.pair = pair;
    this.hadPair = true;
    this.lostConsent = false;
    // Consent runs from the check that made the pair valid, not from now.
    this.consent = new ConsentMonitor(
      (schedule) => session.checks.consentCheck(pair, schedule),
      this.timing,
      this.onMonitor,
      pair.lastActivity,
    );
  }

  private readonly onMonitor = (state: ConsentState): void => {
    if (state === "lost") this.lostConsent = true;
    this.onConsent(state);
  };

  private drop(): void {
    this.consent?.stop();
    this.consent = undefined;
    this.pair = undefined;
  }

  private fresh(p: CandidatePair): boolean {
    return p.state === "succeeded" && performance.now() - p.lastActivity < this.timing.timeoutMs;
  }
}
