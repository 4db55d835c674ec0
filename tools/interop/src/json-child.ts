import { type ChildProcess, spawn } from "node:child_process";
import { StringDecoder } from "node:string_decoder";
import { fileURLToPath } from "node:url";

/** The repository root (children run from there); same path from src/ and dist/. */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The built `purertc` CLI (`npm test` builds before running tests); same path from src/ and dist/. */
export const CLI = fileURLToPath(new URL("../../cli/dist/main.js", import.meta.url));

export type JsonEvent = { event: string } & Record<string, unknown>;

/** After "exit", how long stdout may take to deliver its last lines before `exited` settles anyway. */
const DRAIN_MS = 2000;

/**
 * A child process that prints JSON lines (`purertc … --json`) and reads them
 * on stdin. A line that is not JSON becomes `{ event: "unparsed", line }`.
 */
export interface JsonChild {
  readonly pid: number;
  /** The process itself (its stdout stays readable by other listeners). */
  readonly child: ChildProcess;
  /** Every line so far, in order. */
  readonly events: JsonEvent[];
  /** Waits (bounded) for the `nth` event named `name`; rejects if the child exits first. */
  waitFor(name: string, timeoutMs?: number, nth?: number): Promise<JsonEvent>;
  /** Waits (bounded) for the first event matching `predicate`; rejects if the child exits first. */
  next(predicate: (e: JsonEvent) => boolean, timeoutMs?: number): Promise<JsonEvent>;
  /** Writes one JSON line to stdin (dropped once the child is gone). */
  send(message: Record<string, unknown>): void;
  /** Ends stdin. */
  end(): void;
  /** What the child wrote on stderr (the first 100 kB). */
  stderr(): string;
  /** The exit code (null for a signal), once stdout has delivered its last lines. */
  readonly exited: Promise<number | null>;
  /** Waits (bounded) for the exit code; past the bound, SIGKILL by PID and reject. */
  exit(timeoutMs?: number): Promise<number | null>;
  /** SIGTERM by PID if it still runs (SIGKILL after `graceMs`); resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * Watches a child already spawned with piped stdio (e.g. by a network
 * namespace's `spawn`): collects its stdout JSON lines as events.
 */
export function watchJsonChild(child: ChildProcess): JsonChild {
  const events: JsonEvent[] = [];
  let err = "";
  let buffered = "";
  let done = false;
  const decoder = new StringDecoder("utf8");
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  // Long string fields (SDPs) are elided in error messages.
  const describe = () =>
    `events ${JSON.stringify(events, (_, v) => (typeof v === "string" && v.length > 200 ? `${v.slice(0, 40)}…` : v)).slice(0, 4000)}\nstderr ${err.slice(-3000)}`;
  child.stdout?.on("data", (d: Buffer | string) => {
    buffered += typeof d === "string" ? d : decoder.write(d);
    for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (!line) continue;
      try {
        events.push(JSON.parse(line) as JsonEvent);
      } catch {
        events.push({ event: "unparsed", line });
      }
    }
    notify();
  });
  child.stderr?.on("data", (d: Buffer | string) => {
    if (err.length < 100_000) err += d.toString();
  });
  // A write racing the child's exit is EPIPE: not the test's failure.
  child.stdin?.on("error", () => {});
  // By PID, only while it runs (exitCode/signalCode are set at exit, before "close").
  const running = () => child.exitCode === null && child.signalCode === null;
  const kill = (signal: NodeJS.Signals) => {
    if (running()) child.kill(signal);
  };
  const exited = new Promise<number | null>((resolve) => {
    const settle = (code: number | null) => {
      if (done) return;
      done = true;
      notify();
      resolve(code);
    };
    if (!running()) {
      settle(child.exitCode);
      return;
    }
    // "close" comes after stdout ended, so every line is in `events`; a
    // grandchild holding the pipe open must not hold the test, hence the bound.
    let drain: NodeJS.Timeout | undefined;
    child.once("close", (code) => {
      clearTimeout(drain);
      settle(code);
    });
    child.once("exit", (code) => {
      drain = setTimeout(() => settle(code), DRAIN_MS);
    });
  });
  const wait = (what: string, find: () => JsonEvent | undefined, timeoutMs: number) =>
    new Promise<JsonEvent>((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found) {
          finish();
          resolve(found);
        } else if (done) {
          finish();
          reject(new Error(`exited before ${what}: ${describe()}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no ${what} within ${timeoutMs} ms: ${describe()}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  const exit = async (timeoutMs = 15_000) => {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const result = await Promise.race([exited, bound]);
    clearTimeout(timer);
    if (result === "timeout") {
      kill("SIGKILL");
      throw new Error(
        `child ${child.spawnargs.join(" ")} did not exit within ${timeoutMs} ms: ${describe()}`,
      );
    }
    return result;
  };
  return {
    pid: child.pid ?? -1,
    child,
    events,
    exited,
    stderr: () => err,
    waitFor: (name, timeoutMs = 40_000, nth = 1) =>
      wait(`"${name}"`, () => events.filter((e) => e.event === name)[nth - 1], timeoutMs),
    next: (predicate, timeoutMs = 20_000) => wait("matching event", () => events.find(predicate), timeoutMs),
    send(message) {
      if (!done && child.stdin && !child.stdin.destroyed) child.stdin.write(`${JSON.stringify(message)}\n`);
    },
    end() {
      child.stdin?.end();
    },
    exit,
    async stop(graceMs = 15_000) {
      kill("SIGTERM");
      const timer = setTimeout(() => kill("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * Starts `purertc <args>` (or `prefix…` before it, e.g. `ip netns exec NS`)
 * and collects its JSON lines as events.
 */
export function startCli(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  prefix: string[] = [],
): JsonChild {
  const argv = [...prefix, process.execPath, CLI, ...args];
  return watchJsonChild(spawn(argv[0]!, argv.slice(1), { stdio: ["pipe", "pipe", "pipe"], env }));
}
