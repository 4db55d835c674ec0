/**
 * Ties an object's close to a caller's AbortSignal: calls `onAbort` once when
 * `signal` aborts (at once if it already has) and returns the unlink, which
 * the object calls when it closes first, so no listener stays on a
 * long-lived signal. Without a signal it does nothing.
 */
export function whenAborted(signal: AbortSignal | undefined, onAbort: () => void): () => void {
  if (!signal) return noop;
  if (signal.aborted) {
    onAbort();
    return noop;
  }
  signal.addEventListener("abort", onAbort, { once: true });
  return () => signal.removeEventListener("abort", onAbort);
}

function noop(): void {}
