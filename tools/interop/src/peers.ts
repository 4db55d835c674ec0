import { existsSync } from "node:fs";

/**
 * Tells whether an external peer program exists. Under `CI=true` a missing
 * peer is an error (an interop test must never skip silently in CI); outside
 * CI the test may skip with the returned reason.
 */
export function requirePeer(path: string, debianPackage: string): { available: boolean; reason: string } {
  if (existsSync(path)) return { available: true, reason: "" };
  const reason = `${path} not found: install the Debian package ${debianPackage} (apt-get install -y ${debianPackage})`;
  if (process.env.CI === "true") throw new Error(`interop peer missing in CI: ${reason}`);
  return { available: false, reason };
}
