import { type CancelTimer, createDebug, startRepeatingTimer, startTimer } from "@purertc/socket";
import { StunError, type StunMessage } from "@purertc/stun";
import { candidateFoundation, TYPE_PREFERENCE } from "./candidate.js";
import type { ConsentCheck } from "./consent.js";
import type { CandidateBase } from "./gather/base.js";
import type { CandidatePair, LocalCandidate } from "./pair.js";
import type { RetransmitOptions } from "./retransmit.js";
import type { SessionState } from "./session-state.js";
import { buildCheck, StunClass } from "./stun-io.js";

const log = createDebug("purertc:ice");

export type { RetransmitOptions };

/** Priority a peer-reflexive candidate of `local` would have (RFC 8445 §7.2.2). */
export function prflxPriority(local: LocalCandidate): number {
  return TYPE_PREFERENCE.prflx * 2 ** 24 + (local.candidate.priority % 2 ** 24);
}

/**
 * The sending side of connectivity checks for one session (RFC 8445 §6.1.4,
 * §7.2): the Ta pacer, checks and their answers, regular nomination as
 * controlling agent, and consent checks on the selected pair.
 */
export class CheckScheduler {
  private cancelPacer: CancelTimer | undefined = undefined;
  private lastCheckAt = Number.NEGATIVE_INFINITY;
  private nominationDeadline: number | undefined = undefined;
  private cancelNominationTimer: CancelTimer | undefined = undefined;

  constructor(private readonly session: SessionState) {}

  /** Makes sure the Ta pacer runs while there are checks to send. */
  schedule(): void {
    const s = this.session;
    if (s.closed || this.cancelPacer || !s.remoteKey || !s.host.started() || s.host.lite) return;
    if (!s.checklist.pending) return;
    if (this.lastCheckAt + s.timing.ta <= performance.now()) {
      this.tick();
      if (!s.checklist.pending) return;
    }
    // Not tied to the session's signal: close() stops it (stop()), and a signal costs per session.
    this.cancelPacer = startRepeatingTimer(this.tick, s.timing.ta);
  }

  private readonly tick = (): void => {
    const pair = this.session.checklist.next();
    if (!pair) {
      this.cancelPacer?.();
      this.cancelPacer = undefined;
      return;
    }
    this.lastCheckAt = performance.now();
    this.sendCheck(pair, false);
  };

  /** Sends a connectivity check on `pair`, with USE-CANDIDATE when `nominate`. */
  sendCheck(pair: CandidatePair, nominate: boolean): void {
    const s = this.session;
    const remote = s.remote;
    const key = s.remoteKey;
    if (!remote || !key || s.closed || s.host.lite) return;
    pair.cancelCheck?.();
    if (pair.state !== "succeeded") pair.state = "in-progress";
    const controlling = s.host.controlling();
    const { transactionId, bytes } = buildCheck({
      username: `${remote.ufrag}:${s.local.ufrag}`,
      priority: prflxPriority(pair.local),
      controlling,
      tieBreaker: s.host.tieBreaker,
      useCandidate: nominate,
      key,
    });
    if (log.enabled) log("check %s%s", pair.toString(), nominate ? " USE-CANDIDATE" : "");
    const { result, cancel } = s.request(
      pair.local.base,
      bytes,
      transactionId,
      pair.remote,
      s.timing.check,
      key,
    );
    pair.cancelCheck = cancel;
    result.then(
      ({ response, remote: from, rttMs }) =>
        this.onResponse(pair, response, from.address, from.port, nominate, controlling, rttMs),
      (error: unknown) => {
        // Cancelled or closed: someone else owns the pair's state now.
        if (error instanceof StunError && (error.code === "ERR_ABORTED" || error.code === "ERR_CLOSED"))
          return;
        this.onTimeout(pair, nominate);
      },
    );
  }

  private onResponse(
    pair: CandidatePair,
    response: StunMessage,
    address: string,
    port: number,
    nominate: boolean,
    controllingAtSend: boolean,
    rttMs: number,
  ): void {
    const s = this.session;
    pair.cancelCheck = undefined;
    if (s.closed) return;
    if (nominate) pair.nominating = false;
    // Symmetric transport addresses (RFC 8445 §7.2.5.2.1).
    if (address !== pair.remote.address || port !== pair.remote.port) {
      this.fail(pair);
      return;
    }
    if (response.messageClass === StunClass.ErrorResponse) {
      if (response.errorCode?.code === 487) {
        // Role conflict (RFC 8445 §7.2.5.1): take the other role, check again.
        if (s.host.controlling() === controllingAtSend) s.host.switchRole(!controllingAtSend);
        s.checklist.trigger(pair);
        this.schedule();
      } else this.fail(pair);
      return;
    }
    let mapped: { address: string; port: number } | undefined;
    try {
      mapped = response.xorMappedAddress;
    } catch {
      mapped = undefined;
    }
    if (!mapped) {
      this.fail(pair);
      return;
    }
    s.learnLocalPrflx(pair, mapped.address, mapped.port);
    pair.state = "succeeded";
    pair.rttMs = rttMs;
    pair.lastActivity = performance.now();
    pair.consentAt = pair.lastActivity;
    s.checklist.unfreeze(pair.foundation);
    const controlling = s.host.controlling();
    if ((nominate && controlling) || (!controlling && pair.nominateOnSuccess)) {
      pair.nominated = true;
      s.host.onNominated(s, pair);
    }
    this.afterCheck();
  }

  private onTimeout(pair: CandidatePair, nominate: boolean): void {
    pair.cancelCheck = undefined;
    if (this.session.closed) return;
    if (nominate) pair.nominating = false;
    this.fail(pair);
  }

  private fail(pair: CandidatePair): void {
    pair.state = "failed";
    this.afterCheck();
  }

  private afterCheck(): void {
    if (this.session.host.controlling()) this.maybeNominate();
    this.session.host.onChange();
  }

  /**
   * Regular nomination as controlling agent (RFC 8445 §8.1.1): once a valid
   * pair exists and no pair of higher priority is still being checked (or
   * `nominationTimeoutMs` has passed since the first valid pair), check the
   * best valid pair again with USE-CANDIDATE.
   */
  maybeNominate(): void {
    const s = this.session;
    if (s.closed || !s.host.controlling()) return;
    const pairs = s.checklist.all;
    if (pairs.some((p) => p.nominated || p.nominating)) return;
    const best = pairs.find((p) => p.state === "succeeded");
    if (!best) return;
    const now = performance.now();
    this.nominationDeadline ??= now + s.timing.nominationTimeoutMs;
    const higherPending = pairs.some(
      (p) =>
        p.priority > best.priority &&
        (p.state === "waiting" || p.state === "frozen" || p.state === "in-progress"),
    );
    if (higherPending && now < this.nominationDeadline) {
      this.cancelNominationTimer ??= startTimer(() => {
        this.cancelNominationTimer = undefined;
        this.maybeNominate();
      }, this.nominationDeadline - now);
      return;
    }
    this.cancelNominationTimer?.();
    this.cancelNominationTimer = undefined;
    best.nominating = true;
    this.sendCheck(best, true);
  }

  /**
   * A consent check on `pair` (RFC 7675 §5.1): a Binding request like a
   * connectivity check; resolves true on an authenticated success response
   * from the pair's remote. Its transaction id lets a late answer count
   * (see {@link isConsentAnswer}).
   */
  consentCheck(pair: CandidatePair, schedule: RetransmitOptions): ConsentCheck {
    const s = this.session;
    const remote = s.remote;
    const key = s.remoteKey;
    // An ICE-lite agent sends no checks: its consent is the peer's checks (see IceAgent).
    if (!remote || !key || s.closed || s.host.lite)
      return { result: Promise.resolve(false), cancel: () => {} };
    const { transactionId, bytes } = buildCheck({
      username: `${remote.ufrag}:${s.local.ufrag}`,
      priority: prflxPriority(pair.local),
      controlling: s.host.controlling(),
      tieBreaker: s.host.tieBreaker,
      useCandidate: false,
      key,
    });
    const to = pair.remote;
    const t = s.request(pair.local.base, bytes, transactionId, to, schedule, key);
    return {
      result: t.result.then(
        ({ response, remote: from, rttMs }) => {
          const ok =
            from.address === to.address &&
            from.port === to.port &&
            response.messageClass === StunClass.SuccessResponse;
          // An answer is a success response on the pair: its activity and RTT for stats and for
          // choosing it again as a valid pair before nomination (EarlyPair).
          if (ok) {
            pair.lastActivity = performance.now();
            pair.consentAt = pair.lastActivity;
            pair.rttMs = rttMs;
          }
          return ok;
        },
        () => false,
      ),
      cancel: t.cancel,
      transactionId,
    };
  }

  /**
   * Whether `response`, which matched no transaction in flight, is an
   * authenticated success answer from `pair`'s remote on its base: what a
   * consent check that already gave up would have accepted (RFC 7675 §5.1).
   */
  isConsentAnswer(
    pair: CandidatePair,
    base: CandidateBase,
    response: StunMessage,
    address: string,
    port: number,
  ): boolean {
    const key = this.session.remoteKey;
    return (
      key !== undefined &&
      base === pair.local.base &&
      address === pair.remote.address &&
      port === pair.remote.port &&
      response.messageClass === StunClass.SuccessResponse &&
      (!response.hasFingerprint || response.checkFingerprint()) &&
      response.hasIntegrity &&
      response.checkIntegrity(key)
    );
  }

  /** The connection under `pair` went away (ICE over TCP): its check stops and it fails. */
  pairGone(pair: CandidatePair): void {
    pair.cancelCheck?.();
    pair.cancelCheck = undefined;
    pair.nominating = false;
    if (this.session.closed) return;
    this.fail(pair);
  }

  /**
   * Consent on `pair` was lost while data went on it before nomination (RFC
   * 7675 §5.1): it fails, its check stops and nothing revives it in this
   * generation (the peer's checks of it trigger none, see handleCheckRequest).
   */
  consentLost(pair: CandidatePair): void {
    pair.consentLost = true;
    pair.cancelCheck?.();
    pair.cancelCheck = undefined;
    pair.nominating = false;
    pair.nominateOnSuccess = false;
    if (this.session.closed) return;
    this.fail(pair);
  }

  /** Stops the pacer and the nomination timer. */
  stop(): void {
    this.cancelPacer?.();
    this.cancelPacer = undefined;
    this.cancelNominationTimer?.();
    this.cancelNominationTimer = undefined;
  }
}

/** Foundation of a peer-reflexive candidate seen at `address`. */
export function prflxFoundation(address: string): string {
  return candidateFoundation("prflx", address);
}
