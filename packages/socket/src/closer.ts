/**
 * A light cancellation root for objects made per connection (an ICE
 * session, a PeerConnection): what an AbortController is to the lifecycle
 * rule, without its cost. In Node 20 each AbortController is an EventTarget
 * and an AbortSignal, and each `abort()` without a reason makes a
 * DOMException with a stack trace (measured on a data-channel open: ~2.5 %
 * of the process in AbortController machinery, and ~10 KB of heap per
 * PeerConnection). A Closer is a flag and, once something is added, a Set.
 */

/**
 * What a {@link Closer} closes: a function, or an object with `close()`
 * (another Closer). A `close()` that returns a promise is not awaited.
 */
export type CloserChild = (() => void) | { close(): unknown };

/**
 * Closes what was added to it, once, in the order added. Children are
 * removed with {@link Closer.delete} when they end first, so a long-lived
 * Closer never accumulates them. No events, no error objects: an
 * AbortSignal is made only when an API that needs one asks
 * ({@link Closer.signal}).
 *
 * ```ts
 * const root = new Closer();
 * const child = new Closer(root); // closed with root, unlinked if closed first
 * root.timer(() => console.log("never"), 1000);
 * root.close(); // cancels the timer, closes child; idempotent
 * console.log(child.closed); // true
 * ```
 */
export class Closer {
  private isClosed = false;
  private children: Set<CloserChild> | undefined = undefined;
  private parent: Closer | undefined = undefined;
  private controller: AbortController | undefined = undefined;
  private readonly reason: (() => unknown) | undefined;

  /**
   * @param parent - closes this one when it closes (this one is removed from
   *   it when closed first); a closed parent makes this one closed at once
   * @param reason - makes the abort reason of {@link Closer.signal} (only
   *   called when a signal was asked for; a module-level function, so that
   *   the Closer holds nothing of its owner); default: the DOMException of
   *   `AbortController.abort()`
   */
  constructor(parent?: Closer, reason?: () => unknown) {
    this.reason = reason;
    if (!parent) return;
    if (parent.isClosed) this.isClosed = true;
    else {
      this.parent = parent;
      parent.add(this);
    }
  }

  /** True once {@link Closer.close} ran (or the parent was closed). */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Adds `child`, closed (called) when this closes; if this is already
   * closed, it is closed at once. Adding the same child twice adds it once.
   */
  add(child: CloserChild): void {
    if (this.isClosed) {
      closeChild(child);
      return;
    }
    this.children ??= new Set();
    this.children.add(child);
  }

  /** Removes `child` (it ended first); false if it was not there. */
  delete(child: CloserChild): boolean {
    return this.children?.delete(child) ?? false;
  }

  /**
   * Runs `fn` once after `ms` unless this closes first. The timer leaves
   * the Closer when it fires or is cancelled.
   */
  timer(fn: () => void, ms: number): () => void {
    if (this.isClosed) return noop;
    const cancel = (): void => {
      clearTimeout(handle);
      this.children?.delete(cancel);
    };
    const handle = setTimeout(() => {
      this.children?.delete(cancel);
      fn();
    }, ms);
    this.add(cancel);
    return cancel;
  }

  /**
   * An AbortSignal that aborts when this closes, for an API that takes one
   * (a Node API, a user-facing option). Made on first use: objects that
   * never ask pay nothing for it. Aborted at once if already closed.
   */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.isClosed) this.abortSignal();
    }
    return this.controller.signal;
  }

  /**
   * Closes every child in the order added, then aborts the signal if one was
   * made, and leaves the parent. Idempotent. A child that throws does not
   * stop the others; the first error is rethrown at the end.
   */
  readonly close = (): void => {
    if (this.isClosed) return;
    this.isClosed = true;
    const parent = this.parent;
    this.parent = undefined;
    parent?.children?.delete(this);
    const children = this.children;
    this.children = undefined;
    let failed = false;
    let first: unknown;
    if (children) {
      for (const child of children) {
        try {
          closeChild(child);
        } catch (error) {
          if (!failed) first = error;
          failed = true;
        }
      }
    }
    if (this.controller) this.abortSignal();
    if (failed) throw first;
  };

  private abortSignal(): void {
    this.controller!.abort(this.reason ? this.reason() : undefined);
  }
}

function closeChild(child: CloserChild): void {
  if (typeof child === "function") child();
  else void child.close();
}

function noop(): void {}
