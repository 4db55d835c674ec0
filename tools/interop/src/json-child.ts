import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The built `purertc` CLI (`npm test` builds before running tests); same path from src/ and dist/. */
export const CLI = fileURLToPath(new URL("../../cli/dist/main.js", import.meta.url));

export type JsonEvent = { event: string } & Record<string, unknown>;

/** A child process that prints JSON lines (`purertc … --json`) and reads them on stdin. */
export interface JsonChild {
  readonly pid: number;
  readonly events: JsonEvent[];
  waitFor(name: string, timeoutMs?: number, nth?: number): Promise<JsonEvent>;
  send(event: JsonEvent): void;
  stderr(): string;
  readonly exited: Promise<number | null>;
  /** SIGTERM by PID (the CLI closes everything and exits on its own); resolves with the exit code. */
  stop(): Promise<number | null>;
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
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), { stdio: ["pipe", "pipe", "pipe"], env });
  const events: JsonEvent[] = [];
  let err = "";
  let buffered = "";
  let done = false;
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  child.stdout?.on("data", (d: Buffer) => {
    buffered += d.toString("utf8");
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
  child.stderr?.on("data", (d: Buffer) => {
    if (err.length < 100_000) err += d.toString("utf8");
  });
  child.stdin?.on("error", () => {});
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      done = true;
      notify();
      resolve(code);
    });
  });
  return {
    pid: child.pid ?? -1,
    events,
    exited,
    stderr: () => err,
    waitFor(name, timeoutMs = 40_000, nth = 1) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.filter((e) => e.event === name)[nth - 1];
          if (found) {
            finish();
            resolve(found);
          } else if (done) {
            finish();
            reject(new Error(`exited before "${name}": ${JSON.stringify(events)}\n${err.slice(-3000)}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(
            new Error(`no "${name}" within ${timeoutMs} ms: ${JSON.stringify(events)}\n${err.slice(-3000)}`),
          );
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    send(event) {
      if (!done) child.stdin?.write(`${JSON.stringify(event)}\n`);
    },
    async stop() {
      if (!done && child.pid) process.kill(child.pid, "SIGTERM");
      const timer = setTimeout(() => {
        if (!done && child.pid) process.kill(child.pid, "SIGKILL");
      }, 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
