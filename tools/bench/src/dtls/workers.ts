import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { OursVariant } from "./pairs.js";

/*
 * The dtls suite's handshake workers: one process per implementation (./handshake-worker.ts),
 * warmed up, then measured in rounds the suite alternates between them.
 */

/** Handshake samples of one implementation. */
export interface Samples {
  times: number[];
  cpu: number[];
  elapsed: number;
}

const workerPath = fileURLToPath(new URL("./handshake-worker.js", import.meta.url));

/** A handshake worker process of one implementation, warmed up, answering rounds over IPC. */
export interface Worker {
  /** Handshake times of the first 100 handshakes in the fresh process (cold). */
  cold: number[];
  /** Handshakes for `ms` (after a few unmeasured ones): samples and the round's wall time. */
  round(ms: number): Promise<Samples>;
  close(): Promise<void>;
}

export async function startWorker(
  impl: "ours" | "ours13" | "ours13pq" | "werift" | "noble" | `ours:${OursVariant}`,
  warmup: number,
): Promise<Worker> {
  const child = fork(workerPath, [impl, String(warmup)], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`${impl} worker exited (${code})`));
      child.once("exit", onExit);
      child.once("message", (m) => {
        child.off("exit", onExit);
        resolve(m as T);
      });
    });
  const ready = await next<{ cold: number[] }>();
  return {
    cold: ready.cold,
    round(ms) {
      const answer = next<Samples>();
      child.send({ ms, rewarm: 10 });
      return answer;
    },
    async close() {
      child.send({ done: true });
      const timer = setTimeout(() => child.kill(), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export const samples = (): Samples => ({ times: [], cpu: [], elapsed: 0 });
