import { type CancelTimer, startRepeatingTimer, startTimer } from "@purertc/socket";
import type { RetransmitOptions } from "./retransmit.js";

/** Timing of consent freshness (RFC 7675). */
export interface ConsentOptions {
  /** Mean interval between consent checks, ms (randomized ±20 %). Default 5000. */
  intervalMs: number;
  /** Consent is lost after this long without an answer, ms. Default 30000. */
  timeoutMs: number;
  /** State `disconnected` after this long without an answer, ms. */
  disconnectedMs: number;
}

/** Consent state of the selected pair. */
export type ConsentState = "fresh" | "stale" | "lost";

/** One consent check as the monitor sees it: its outcome, a way to stop it, and its STUN transaction id. */
export interface ConsentCheck {
  result: Promise<boolean>;
  cancel: () => void;
  /** Absent when no request was sent (an ICE-lite agent, a closed session). */
  transactionId?: Uint8Array | undefined;
}

/**
 * Transaction ids of the last consent checks a monitor remembers, so that an
 * answer read after its transaction gave up still counts (bounded: six ids
 * cover 30 s of checks at the default 5 s interval).
 */
export const RECENT_CONSENT_CHECKS = 6;

/**
 * Consent freshness of one selected pair (RFC 7675 §5.1): a check every
 * interval (randomized 0.8–1.2 ×), consent refreshed by each authenticated
 * answer, `stale` (W3C `disconnected`) after `disconnectedMs` without one and
 * `lost` after `timeoutMs`, at which point the agent stops sending.
 *
 * Built for a loaded event loop. Consent is "has the peer answered
 * recently", not "did a transaction get its answer in time": when the loop
 * stalls for seconds, a check's retransmission timer fires before the answer
 * waiting in the socket is read, so the monitor remembers its last
 * {@link RECENT_CONSENT_CHECKS} transaction ids and a late authenticated
 * answer to any of them ({@link answeredLate}) refreshes consent. Silence is
 * measured on the monotonic clock from the last answer actually received, and
 * judged in the check phase after the timer fires (setImmediate), so the
 * datagrams queued during a stall are read before the verdict.
 *
 * Its owner stops it ({@link ConsentMonitor.stop}); it owns no
 * AbortController (one per selected pair cost a signal and a DOMException
 * per connection), only its two timers and the checks in flight.
 */
export class ConsentMonitor {
  private stopped = false;
  private lastConsent: number;
  private current: ConsentState = "fresh";
  private cancels = new Set<() => void>();
  private recent: Uint8Array[] = [];
  private cancelEvaluate: CancelTimer | undefined;
  private cancelNext: CancelTimer | undefined = undefined;
  private pendingJudge: NodeJS.Immediate | undefined = undefined;

  /**
   * @param since performance.now() of the last consent the pair already has
   *   (a check answered before the monitor starts); default now.
   * @param now performance.now() the starting state is judged at: the
   *   caller's own reading, when it judged the pair fresh by it.
   */
  constructor(
    private readonly check: (schedule: RetransmitOptions) => ConsentCheck,
    private readonly options: ConsentOptions,
    private onState: (state: ConsentState) => void,
    since?: number,
    now = performance.now(),
  ) {
    this.lastConsent = since ?? now;
    // Its state from the start: a pair already silent for a while is not `fresh` first
    // (no blip through a state it is not in; onState reports changes only).
    const silent = now - this.lastConsent;
    this.current = this.stateAfter(silent);
    if (this.current === "lost") {
      this.stop();
      return;
    }
    // The first check one interval after the last consent, at once if that is past: a pair
    // taken late in its life is checked before its consent runs out.
    this.next(silent);
    // Evaluate often enough that `disconnected` shows within a second or so.
    const every = Math.max(10, Math.min(1000, options.disconnectedMs / 4, options.intervalMs));
    this.cancelEvaluate = startRepeatingTimer(this.evaluateSoon, every);
  }

  get state(): ConsentState {
    return this.current;
  }

  /** Consent was confirmed from outside (any authenticated response on the pair). */
  refresh(): void {
    this.lastConsent = performance.now();
    this.evaluate();
  }

  /**
   * Whether `transactionId` is one of the recent consent checks (still
   * unanswered). The caller has authenticated the answer before asking
   * {@link answeredLate}; this cheap test lets it skip the HMAC otherwise.
   */
  isRecent(transactionId: Uint8Array): boolean {
    return this.indexOf(transactionId) >= 0;
  }

  /**
   * An authenticated success answer to a recent consent check arrived after
   * its transaction ended (timed out under load): consent is refreshed.
   * Returns false for an id the monitor does not remember. Each id counts once.
   */
  answeredLate(transactionId: Uint8Array): boolean {
    if (this.stopped) return false;
    const at = this.indexOf(transactionId);
    if (at < 0) return false;
    this.recent.splice(at, 1);
    this.refresh();
    return true;
  }

  private indexOf(id: Uint8Array): number {
    const recent = this.recent;
    outer: for (let i = 0; i < recent.length; i++) {
      const known = recent[i]!;
      for (let j = 0; j < 12; j++) if (known[j] !== id[j]) continue outer;
      return i;
    }
    return -1;
  }

  /** Schedules the next check one (randomized) interval after the last, less `elapsed` of it. */
  private next(elapsed = 0): void {
    const jitter = 0.8 + Math.random() * 0.4;
    this.cancelNext = startTimer(this.send, Math.max(0, this.options.intervalMs * jitter - elapsed));
  }

  private readonly send = (): void => {
    this.cancelNext = undefined;
    if (this.stopped) return;
    // Retransmit within the interval (RFC 7675 §5.1 leaves it to STUN rules).
    const rto = Math.max(50, Math.min(500, this.options.intervalMs / 4));
    const t = this.check({ rto, maxRto: rto * 2, attempts: 3 });
    if (t.transactionId) {
      // A copy: the id may be a view into the request's bytes.
      this.recent.push(Uint8Array.from(t.transactionId));
      if (this.recent.length > RECENT_CONSENT_CHECKS) this.recent.shift();
    }
    this.cancels.add(t.cancel);
    t.result.then((ok) => {
      this.cancels.delete(t.cancel);
      if (!ok || this.stopped) return;
      if (t.transactionId) {
        const at = this.indexOf(t.transactionId);
        if (at >= 0) this.recent.splice(at, 1);
      }
      this.refresh();
    });
    this.next();
  };

  /**
   * The evaluation timer fired: judge in the check phase of this loop turn,
   * after the poll phase has read what arrived during a stall.
   */
  private readonly evaluateSoon = (): void => {
    if (this.pendingJudge || this.stopped) return;
    this.pendingJudge = setImmediate(this.judge);
  };

  private readonly judge = (): void => {
    this.pendingJudge = undefined;
    this.evaluate();
  };

  private evaluate(): void {
    if (this.stopped) return;
    const state = this.stateAfter(performance.now() - this.lastConsent);
    if (state === this.current) return;
    this.current = state;
    const onState = this.onState;
    if (state === "lost") this.stop();
    onState(state);
  }

  private stateAfter(silent: number): ConsentState {
    const o = this.options;
    return silent >= o.timeoutMs ? "lost" : silent >= o.disconnectedMs ? "stale" : "fresh";
  }

  /** Stops checking; idempotent. */
  stop(): void {
    this.stopped = true;
    this.cancelNext?.();
    this.cancelNext = undefined;
    this.cancelEvaluate?.();
    this.cancelEvaluate = undefined;
    if (this.pendingJudge) clearImmediate(this.pendingJudge);
    this.pendingJudge = undefined;
    for (const cancel of this.cancels) cancel();
    this.cancels.clear();
    this.recent = [];
    this.onState = () => {};
  }
}
