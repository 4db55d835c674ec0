import diagnostics from "node:diagnostics_channel";
import { formatWithOptions } from "node:util";

/** A namespaced debug logger: `log("opened %s", addr)`. Off unless enabled. */
export interface DebugLogger {
  (format: string, ...args: unknown[]): void;
  /** True when a message would go anywhere; guard costly formatting with it. */
  readonly enabled: boolean;
  readonly namespace: string;
}

function envEnabled(namespace: string): boolean {
  const spec = process.env.PURERTC_DEBUG ?? process.env.DEBUG ?? "";
  if (!spec) return false;
  return spec.split(/[\s,]+/).some((pattern) => {
    if (!pattern) return false;
    if (pattern === "*" || pattern === namespace) return true;
    return pattern.endsWith("*") && namespace.startsWith(pattern.slice(0, -1));
  });
}

/**
 * Creates a debug logger for `namespace` (for example `purertc:stun`).
 *
 * Messages are published on the `node:diagnostics_channel` of the same name
 * (as `{ namespace, message }`) and, when the `PURERTC_DEBUG` or `DEBUG`
 * environment variable matches the namespace (`purertc:*` works), written to
 * stderr. With neither, a call costs one branch.
 */
export function createDebug(namespace: string): DebugLogger {
  const channel = diagnostics.channel(namespace);
  const toStderr = envEnabled(namespace);
  const log = ((format: string, ...args: unknown[]) => {
    if (!toStderr && !channel.hasSubscribers) return;
    const message = formatWithOptions({ colors: false }, format, ...args);
    if (channel.hasSubscribers) channel.publish({ namespace, message });
    if (toStderr) process.stderr.write(`${namespace} ${message}\n`);
  }) as DebugLogger;
  Object.defineProperty(log, "enabled", { get: () => toStderr || channel.hasSubscribers });
  Object.defineProperty(log, "namespace", { value: namespace });
  return log;
}
