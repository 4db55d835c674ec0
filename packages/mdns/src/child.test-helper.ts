import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root (children run from there). */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** The built CLI: child-process tests run the dist, as users do. */
export const CLI = `${ROOT}tools/cli/dist/main.js`;

/** A child process whose stdout JSON lines are collected as they come. */
export interface Watched {
  child: ChildProcess;
  events: Record<string, unknown>[];
  stderr: string[];
  /** Waits (bounded) for an event matching `predicate`. */
  next(predicate: (e: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  /** Waits (bounded) for the exit code; kills by PID if the bound passes. */
  exit(ms?: number): Promise<number | null>;
  /** Stops the child (SIGTERM, then SIGKILL after 3 s) if it still runs. */
  stop(): Promise<void>;
}

export function watch(child: ChildProcess): Watched {
  const events: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  let buffer = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    for (let i = buffer.indexOf("\n"); i >= 0; i = buffer.indexOf("\n")) {
      const line = buffer.slice(0, i).trim();
      buffer = buffer.slice(i + 1);
      if (!line) continue;
      try {
        events.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        events.push({ event: "non-json", line });
      }
    }
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => stderr.push(chunk));
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });
  const exit = async (ms = 15_000) => {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<"timeout">((r) => {
      timer = setTimeout(() => r("timeout"), ms);
    });
    const result = await Promise.race([exited, bound]);
    clearTimeout(timer);
    if (result === "timeout") {
      if (child.pid) process.kill(child.pid, "SIGKILL");
      throw new Error(`child ${child.spawnargs.join(" ")} did not exit within ${ms} ms: ${stderr.join("")}`);
    }
    return result;
  };
  return {
    child,
    events,
    stderr,
    async next(predicate, ms = 10_000) {
      const deadline = performance.now() + ms;
      for (;;) {
        const found = events.find(predicate);
        if (found) return found;
        if (performance.now() > deadline || child.exitCode !== null) {
          throw new Error(
            `no matching event within ${ms} ms; events ${JSON.stringify(events)}; stderr ${stderr.join("")}`,
          );
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    exit,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
      child.kill("SIGTERM");
      await exit(3000).catch(() => undefined);
    },
  };
}
