import { type CoturnOptions, type CoturnServer, startCoturn } from "@purertc/interop/coturn";
import { afterAll, beforeAll } from "vitest";

/**
 * One coturn for the enclosing `describe`: started before its tests, closed
 * after them. Returns the running server (read it inside tests and hooks).
 */
export function coturnPerSuite(options: CoturnOptions): () => CoturnServer {
  let server: CoturnServer | undefined;
  beforeAll(async () => {
    server = await startCoturn(options);
  });
  afterAll(async () => {
    await server?.close();
  });
  return () => {
    if (!server) throw new Error("coturn is not running (read it inside a test)");
    return server;
  };
}

/** Waits until `check()` is true, polling every 10 ms; bounded in count and time. */
export async function until(
  check: () => boolean,
  what: string | (() => string),
  timeoutMs = 5000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  // Each poll waits at least 10 ms: the count bound only backs up the clock's.
  for (let i = 0, polls = Math.ceil(timeoutMs / 10) + 1; i < polls; i++) {
    if (check()) return;
    if (performance.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${typeof what === "function" ? what() : what}`);
}
