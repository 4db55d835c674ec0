import { childController, setRepeatingTimer, setTimer } from "@purertc/socket";
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

/**
 * Consent freshness of one selected pair (RFC 7675 §5.1): a check every
 * interval (randomized 0.8–1.2 ×), consent refreshed by each authenticated
 * answer, `stale` (W3C `disconnected`) after `disconnectedMs` without one and
 * `lost` after `timeoutMs`, at which point the agent stops sending.
 */
export class ConsentMonitor {
  private readonly controller: AbortController;
  private lastConsent = performance.now();
  private current: ConsentState = "fresh";
  private cancels = new Set<() => void>();

  constructor(
    private readonly check: (schedule: RetransmitOptions) => { result: Promise<boolean>; cancel: () => void },
    private readonly options: ConsentOptions,
    private onState: (state: ConsentState) => void,
    parent: AbortSignal,
  ) {
    this.controller = childController(parent);
    this.next();
    // Evaluate often enough that `disconnected` shows within a second or so.
    const every = Math.max(10, Math.min(1000, options.disconnectedMs / 4, options.intervalMs));
    setRepeatingTimer(() => this.evaluate(), every, this.controller.signal);
  }

  get state(): ConsentState {
    return this.current;
  }

  /** Consent was confirmed from outside (any authenticated response on the pair). */
  refresh(): void {
    this.lastConsent = performance.now();
    this.evaluate();
  }

  private next(): void {
    const jitter = 0.8 + Math.random() * 0.4;
    setTimer(() => this.send(), this.options.intervalMs * jitter, this.controller.signal);
  }

  private send(): void {
    if (this.controller.signal.aborted) return;
    // Retransmit within the interval (RFC 7675 §5.1 leaves it to STUN rules).
    const rto = Math.max(50, Math.min(500, this.options.intervalMs / 4));
    const t = this.check({ rto, maxRto: rto * 2, attempts: 3 });
    this.cancels.add(t.cancel);
    t.result.then((ok) => {
      this.cancels.delete(t.cancel);
      if (ok && !this.controller.signal.aborted) this.refresh();
    });
    this.next();
  }

  private evaluate(): void {
    if (this.controller.signal.aborted) return;
    const silent = performance.now() - this.lastConsent;
    const state: ConsentState =
      silent >= this.options.timeoutMs ? "lost" : silent >= this.options.disconnectedMs ? "stale" : "fresh";
    if (state === this.current) return;
    this.current = state;
    const onState = this.onState;
    if (state === "lost") this.stop();
    onState(state);
  }

  /** Stops checking; idempotent. */
  stop(): void {
    this.controller.abort();
    for (const cancel of this.cancels) cancel();
    this.cancels.clear();
    this.onState = () => {};
  }
}
