import "reflect-metadata";
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ask, type Message, started, stop } from "../child-ipc.js";
import { percentiles } from "../harness.js";
import { type Description, type Half, type HalfStack, halfMaker } from "./halves.js";

/**
 * The data-channel open with the two peers in two processes (run by
 * suites/datachannel.ts): `node offerer.js <stack> [quick]` forks the
 * answerer (answerer.ts), measures the IPC round trip, then opens fresh
 * pairs, offer/answer and trickled candidates over IPC, each timed as the
 * one-process rows are: create of the offerer's PeerConnection → its
 * channel's `open`. Prints one JSON line; the child is stopped (SIGKILL by
 * its handle if it lingers) whatever happens.
 */

const stack = process.argv[2] as HalfStack;
const makeHalf = await halfMaker(stack);
const quick = process.argv[3] === "quick";
const answererPath = fileURLToPath(new URL("./answerer.js", import.meta.url));

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${stack}: ${what} took over ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

const child = fork(answererPath, [stack], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
const halves = new Map<number, Half>();
const answers = new Map<number, (d: Description) => void>();
/** Rejects the open in progress when the answerer reports an error or exits. */
let fail: (e: Error) => void = () => {};
child.on("message", (m: Message) => {
  if (m.answer) {
    const { id, description } = m.answer as { id: number; description: Description };
    answers.get(id)?.(description);
  } else if (m.candidate) {
    const { id, candidate } = m.candidate as { id: number; candidate: unknown };
    halves.get(id)?.addCandidate(candidate);
  } else if (m.error) fail(new Error(String(m.error)));
});
child.on("exit", (code) => fail(new Error(`answerer exited (${code})`)));

/** One open: create → the offerer's channel `open`, ms. */
async function open(id: number): Promise<number> {
  const start = performance.now();
  const half = makeHalf(true);
  halves.set(id, half);
  try {
    half.onCandidate((candidate) => child.send({ candidate: { id, candidate } }));
    const answered = new Promise<Description>((resolve, reject) => {
      answers.set(id, resolve);
      fail = reject;
    });
    child.send({ offer: { id, description: await half.offer() } });
    await half.accept(await answered);
    await half.opened;
    return performance.now() - start;
  } finally {
    answers.delete(id);
    halves.delete(id);
    await half.close();
    await ask(child, { close: id }, "closed", 10_000);
  }
}

const result: Record<string, unknown> = { stack };
try {
  await started(child, 30_000);
  // IPC round trip (a small message there and back), warm-up excluded.
  const rtts: number[] = [];
  for (let i = 0; i < 220; i++) {
    const t0 = performance.now();
    await ask(child, { ping: i }, "pong", 5000);
    if (i >= 20) rtts.push(performance.now() - t0);
  }
  result.ipc = percentiles(rtts);
  // The same count of opens as the one-process rows, the first three warming the JIT of both processes.
  const opens: number[] = [];
  const n = quick ? 8 : 25;
  for (let i = 0; i < n + 3; i++) {
    const ms = await withTimeout(open(i), 20_000, "open");
    if (i >= 3) opens.push(ms);
  }
  result.open = percentiles(opens);
} catch (error) {
  result.error = (error as Error).message;
} finally {
  child.removeAllListeners("exit");
  await stop(child, 5000);
}
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
