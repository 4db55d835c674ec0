import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** The built CLI: child-process tests run the dist, as users do. */
export const CLI = `${ROOT}tools/cli/dist/main.js`;

export type JsonEvent = Record<string, unknown> & { event?: string };

/** A `purertc pc` child: its stdout JSON lines as events, stdin for signalling. */
export class PcChild {
  readonly events: JsonEvent[] = [];
  readonly stderr: string[] = [];
  private listeners: (() => void)[] = [];
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    let buffer = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      buffer += chunk;
      for (let i = buffer.indexOf("\n"); i >= 0; i = buffer.indexOf("\n")) {
        const line = buffer.slice(0, i).trim();
        buffer = buffer.slice(i + 1);
        if (!line) continue;
        try {
          this.events.push(JSON.parse(line) as JsonEvent);
        } catch {
          this.events.push({ event: "non-json", line });
        }
        for (const l of this.listeners) l();
      }
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => this.stderr.push(chunk));
    // A write racing the child's exit is EPIPE: not the test's failure.
    child.stdin?.on("error", () => {});
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      else child.once("exit", (code) => resolve(code));
    });
    void this.exited.then(() => {
      for (const l of this.listeners) l();
    });
  }

  /** Writes one signalling line to the child's stdin. */
  send(line: Record<string, unknown>): void {
    if (this.child.stdin && !this.child.stdin.destroyed) this.child.stdin.write(`${JSON.stringify(line)}\n`);
  }

  /** Ends stdin: the child closes its PeerConnection and exits. */
  end(): void {
    this.child.stdin?.end();
  }

  /** Waits (bounded) for an event matching `predicate`. */
  next(predicate: (e: JsonEvent) => boolean, ms = 20_000): Promise<JsonEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.find(predicate);
        if (found) return done(() => resolve(found));
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
          done(() => reject(new Error(`child exited; events ${this.describe()}`)));
        }
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`no matching event in ${ms} ms; ${this.describe()}`))),
        ms,
      );
      const done = (fn: () => void) => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== check);
        fn();
      };
      this.listeners.push(check);
      check();
    });
  }

  /** Waits (bounded) for the exit code; SIGKILL by PID past the bound. */
  async exit(ms = 15_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<"timeout">((r) => {
      timer = setTimeout(() => r("timeout"), ms);
    });
    const result = await Promise.race([this.exited, bound]);
    clearTimeout(timer);
    if (result === "timeout") {
      if (this.child.pid) process.kill(this.child.pid, "SIGKILL");
      throw new Error(`child did not exit within ${ms} ms; ${this.describe()}`);
    }
    return result;
  }

  /** Stops the child if it still runs (SIGTERM, then SIGKILL). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null || !this.child.pid) return;
    this.child.kill("SIGTERM");
    await this.exit(3000).catch(() => undefined);
  }

  describe(): string {
    const events = this.events.map((e) => (typeof e.sdp === "string" ? { ...e, sdp: "…" } : e));
    return `events ${JSON.stringify(events).slice(0, 3000)}; stderr ${this.stderr.join("").slice(0, 2000)}`;
  }
}
