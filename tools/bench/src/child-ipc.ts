// The IPC helpers of the bench suites that fork children (fanout, mux): ask, started, stop.
import type { ChildProcess } from "node:child_process";

/** A message on a bench child's IPC channel. */
export type Message = Record<string, unknown>;

/** Sends `message` and resolves with the first answer holding `key` (bounded by `ms`). */
export function ask(child: ChildProcess, message: Message, key: string, ms = 120_000): Promise<Message> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off("message", on);
      reject(new Error(`no "${key}" answer in ${ms} ms`));
    }, ms);
    const on = (m: Message) => {
      if (!(key in m)) return;
      clearTimeout(timer);
      child.off("message", on);
      resolve(m);
    };
    child.on("message", on);
    child.send(message);
  });
}

/** The child's first message (its ready line); rejects if it exits first or within `ms`. */
export function started(child: ChildProcess, ms = 60_000): Promise<Message> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child not ready in ${ms} ms`)), ms);
    child.once("message", (m: Message) => {
      clearTimeout(timer);
      resolve(m);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code}) before it was ready`));
    });
  });
}

/** Waits for the child to exit, SIGKILL (by its PID, through the handle) after `ms`. */
export function stop(child: ChildProcess, ms = 30_000): Promise<void> {
  if (child.connected) child.disconnect();
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
