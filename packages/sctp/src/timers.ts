/**
 * One restartable timer of an association (T1, T3-rtx, delayed SACK, T2,
 * RE-CONFIG). Restarting it is the common case (T3-rtx restarts on every
 * SACK that advances the cumulative ack), so it does not clear and set a
 * Node timer each time: it moves a deadline, and a timer that fires early
 * re-arms itself for the rest. The callback is the owner's class-field
 * arrow; the timer holds no closure of its own beyond the one startTimer
 * makes when (re)arming.
 */
import { type CancelTimer, startTimer } from "@purertc/socket";

export class AssociationTimer {
  private cancel: CancelTimer | undefined;
  /** When the armed Node timer fires (ms, performance.now()). */
  private firesAt = 0;
  /** When the callback is due; 0 = stopped. */
  private deadline = 0;

  constructor(private readonly onExpire: () => void) {}

  /** True while started and not yet expired. */
  get running(): boolean {
    return this.deadline !== 0;
  }

  /** (Re)starts the timer to expire `ms` from now. */
  start(ms: number): void {
    const now = performance.now();
    this.deadline = now + ms;
    if (this.cancel && this.firesAt <= this.deadline + 1) return; // fires first, then re-arms for the rest
    this.arm(ms, now);
  }

  /** Starts the timer unless it is running. */
  ensure(ms: number): void {
    if (this.deadline === 0) this.start(ms);
  }

  /**
   * Stops it. The Node timer stays armed (it fires and finds nothing to do):
   * the delayed SACK and T3-rtx stop and start again for nearly every packet,
   * and clearing and setting a Node timer each time cost 4 % of a bulk
   * transfer's CPU (measured with --cpu-prof).
   */
  stop(): void {
    this.deadline = 0;
  }

  /** Stops it and clears the Node timer (close: nothing may stay in the event loop). */
  dispose(): void {
    this.deadline = 0;
    if (this.cancel) {
      this.cancel();
      this.cancel = undefined;
    }
  }

  private arm(ms: number, now: number): void {
    this.cancel?.();
    this.firesAt = now + ms;
    this.cancel = startTimer(this.fire, Math.max(0, Math.ceil(ms)));
  }

  private readonly fire = (): void => {
    this.cancel = undefined;
    if (this.deadline === 0) return;
    const now = performance.now();
    if (now + 0.5 < this.deadline) {
      this.arm(this.deadline - now, now);
      return;
    }
    this.deadline = 0;
    this.onExpire();
  };
}
