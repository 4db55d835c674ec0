import { createHook } from "node:async_hooks";
import { readdirSync, readlinkSync } from "node:fs";
import { type SocketInfo, SocketRegistry } from "../registry.js";

/** Process resources at one moment, as the leak check compares them. */
export interface ResourceSnapshot {
  /** Open file descriptors: fd number → what it points to. */
  fds: Map<string, string>;
  /** `process.getActiveResourcesInfo()` counted by type (Timeout, UDPWRAP, …). */
  resources: Map<string, number>;
  /** Sockets open in the registry. */
  sockets: SocketInfo[];
  /** Timers and immediates created since the baseline (baselines only). */
  timers?: TimerTracker;
}

interface TrackedTimer {
  ref: WeakRef<object>;
  type: string;
  stack: string;
}

function isProjectFrame(line: string): boolean {
  return line.includes("/") && !line.includes("node_modules") && !line.includes("node:");
}

/**
 * Records every Timeout and Immediate created while enabled, with the stack
 * that created it. Counting `getActiveResourcesInfo()` alone cannot tell a
 * leaked timer from a test runner's own timer that came and went; this can,
 * and it says where the leaked timer was made.
 */
class TimerTracker {
  private readonly timers: TrackedTimer[] = [];
  private readonly hook = createHook({
    init: (_id, type, _trigger, resource) => {
      if (type !== "Timeout" && type !== "Immediate") return;
      const stack = new Error().stack?.split("\n").slice(2).join("\n") ?? "";
      // Only timers our code made (directly or through a library it called)
      // count; the test runner's own have no frame outside node_modules.
      if (!stack.split("\n").some(isProjectFrame)) return;
      if (this.timers.length < 100_000)
        this.timers.push({ ref: new WeakRef(resource as object), type, stack });
    },
  });

  start(): this {
    this.hook.enable();
    return this;
  }

  stop(): void {
    this.hook.disable();
  }

  /** Timers made since start() that are still pending. */
  pending(): string[] {
    const out: string[] = [];
    for (const t of this.timers) {
      const timer = t.ref.deref() as
        | { _destroyed?: boolean; _onTimeout?: unknown; hasRef?: () => boolean }
        | undefined;
      if (!timer || timer._destroyed) continue;
      if (t.type === "Timeout" && timer._onTimeout === null) continue; // cleared
      out.push(
        `${t.type}${timer.hasRef?.() === false ? " (unref'd)" : ""} still pending, created at\n${t.stack}`,
      );
    }
    return out;
  }
}

/** Options of the leak check. */
export interface LeakCheckOptions {
  /** The registry to watch. Default {@link SocketRegistry.default}. */
  registry?: SocketRegistry;
  /** How long to wait for asynchronous releases to settle. Default 2000 ms. */
  timeoutMs?: number;
}

function openFds(): Map<string, string> {
  const fds = new Map<string, string>();
  let names: string[];
  try {
    names = readdirSync("/proc/self/fd");
  } catch {
    return fds; // not Linux: fds are not compared
  }
  for (const fd of names) {
    try {
      fds.set(fd, readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // The fd of the directory listing itself is gone by now.
    }
  }
  return fds;
}

function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

/** Takes a snapshot of open fds, active resources and registry sockets. */
export function takeSnapshot(registry: SocketRegistry = SocketRegistry.default): ResourceSnapshot {
  return { fds: openFds(), resources: activeResources(), sockets: registry.list() };
}

/**
 * Turns on opener stacks in `registry` ({@link SocketRegistry.captureStacks}),
 * then takes the baseline snapshot after one macrotask turn, so that transient
 * resources of whoever ran before (a test runner's RPC timer, a just-closed
 * handle) are not counted in it and cannot hide a leak of the same type.
 */
export async function takeBaseline(
  registry: SocketRegistry = SocketRegistry.default,
): Promise<ResourceSnapshot> {
  // A socket left open is reported with the stack that opened it: from here
  // on the registry records them (left on: later sockets of the test want it too).
  registry.captureStacks = true;
  // The minimum over a few turns: a test runner's own short-lived timers come
  // and go, and one counted in the baseline could hide a leaked timer.
  let baseline: ResourceSnapshot | undefined;
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    const now = takeSnapshot(registry);
    if (!baseline) baseline = now;
    else {
      for (const [type, count] of baseline.resources) {
        baseline.resources.set(type, Math.min(count, now.resources.get(type) ?? 0));
      }
    }
  }
  baseline!.resources.delete("Timeout");
  baseline!.resources.delete("Immediate");
  baseline!.timers = new TimerTracker().start();
  return baseline!;
}

/**
 * Lists what `after` holds beyond `before`, one readable line each; empty
 * when everything is back to baseline. Only growth counts: a resource of the
 * baseline that went away (a test runner's timer that fired) is not a leak.
 */
export function diffSnapshots(before: ResourceSnapshot, after: ResourceSnapshot): string[] {
  const lines: string[] = [];
  for (const [fd, target] of after.fds) {
    if (before.fds.get(fd) !== target) lines.push(`fd ${fd} open: ${target}`);
  }
  for (const [type, count] of after.resources) {
    // Timers are checked one by one by the tracker when there is one.
    if (before.timers && (type === "Timeout" || type === "Immediate")) continue;
    const was = before.resources.get(type) ?? 0;
    if (count > was) lines.push(`active resource ${type}: ${was} → ${count}`);
  }
  const known = new Set(before.sockets.map((s) => s.id));
  for (const s of after.sockets) {
    if (!known.has(s.id))
      lines.push(`registry socket #${s.id} "${s.label}" ${s.local} still open, opened at\n${s.stack}`);
  }
  if (before.timers) lines.push(...before.timers.pending());
  return lines;
}

/**
 * Waits until the process is back to `baseline` (polling, since sockets
 * close asynchronously), and throws an Error listing what is left if it is
 * not within `timeoutMs`.
 */
export async function expectBackToBaseline(
  baseline: ResourceSnapshot,
  options: LeakCheckOptions = {},
): Promise<void> {
  const registry = options.registry ?? SocketRegistry.default;
  const deadline = performance.now() + (options.timeoutMs ?? 2000);
  let diff: string[] = [];
  for (let attempt = 0; attempt < 1000; attempt++) {
    // A macrotask turn lets close callbacks and finished timers leave the
    // active list; the Timeout used for the wait has fired by the snapshot.
    await new Promise((resolve) => setTimeout(resolve, attempt === 0 ? 0 : 10));
    const now = takeSnapshot(registry);
    diff = diffSnapshots(baseline, now);
    if (diff.length === 0) {
      baseline.timers?.stop();
      return;
    }
    if (performance.now() > deadline) break;
  }
  baseline.timers?.stop();
  throw new Error(
    `resources not back to baseline after ${options.timeoutMs ?? 2000} ms:\n  ${diff.join("\n  ")}`,
  );
}

/**
 * Runs `scenario` between a baseline snapshot and a check that every fd,
 * active resource (timers included) and registry socket it opened is gone.
 * The scenario must dispose what it opened; the check proves it did.
 *
 * ```ts
 * await withLeakCheck(async () => {
 *   await using client = await StunClient.open();
 *   await client.binding("127.0.0.1:3478");
 * });
 * ```
 */
export async function withLeakCheck<T>(
  scenario: () => Promise<T>,
  options: LeakCheckOptions = {},
): Promise<T> {
  const baseline = await takeBaseline(options.registry);
  const result = await scenario();
  await expectBackToBaseline(baseline, options);
  return result;
}

/**
 * Forces garbage collection (tests run with `--expose-gc`) a few times with
 * macrotask turns between, so FinalizationRegistry callbacks and WeakRef
 * clearing get to run. Returns false when gc is not exposed.
 */
export async function forceGc(rounds = 3): Promise<boolean> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return false;
  for (let i = 0; i < rounds; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}

/**
 * The owner for sockets a test opens and closes itself. The registry holds
 * owners weakly and closes the socket of a collected owner as a leak; an
 * inline `{}` may be collected in the middle of a test that still uses its
 * socket (seen under load: "send on closed socket" after a 7 s wait). This
 * module-level object lives as long as the test process.
 */
export const TEST_OWNER: object = Object.freeze({ owner: "test" });
