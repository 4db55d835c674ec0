import type { SelectedPair } from "./options.js";

type Waiter = { resolve(pair: SelectedPair): void; reject(error: Error): void };

/**
 * The pending `connect()` calls of an agent: settled together when a pair is
 * selected, the agent fails or it closes; one leaves early when its signal
 * aborts.
 */
export class PairWaiters {
  private waiters: Waiter[] = [];

  /** A promise for the next selected pair; rejects with `signal.reason` when it aborts. */
  wait(signal?: AbortSignal): Promise<SelectedPair> {
    return new Promise<SelectedPair>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        resolve: (pair: SelectedPair) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(pair);
        },
        reject: (error: Error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Resolves every waiter with `pair` and forgets them. */
  resolveAll(pair: SelectedPair): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve(pair);
  }

  /** Rejects every waiter with `error` (one shared, or a new one each from a function) and forgets them. */
  rejectAll(error: Error | (() => Error)): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(typeof error === "function" ? error() : error);
  }
}
