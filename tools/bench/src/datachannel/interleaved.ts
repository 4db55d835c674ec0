import "reflect-metadata";
import type { Message } from "../child-ipc.js";
import type { ChannelPair } from "./pair.js";
import { cleanupStack, pairMaker, type StackName } from "./stacks.js";
import { pairWithRetries, timedOpen, transferTally } from "./transfer.js";

/**
 * One stack's connected pair in a process of its own, answering the parent's
 * commands one at a time (forked by interleaved-run.ts, which asks each
 * stack's child in turn so that the stacks see the same moments of the
 * machine): `node interleaved.js <stack>`.
 *
 * In: `{ bulk: bytes, maxMs }` (64 KiB messages one way on the pair, the bulk
 * row's backpressure), `{ open: true }` (a fresh pair, create → its first
 * channel `open`, then closed), `{ quit: true }`.
 * Out: `{ ready: true, openMs }` once the pair is open (or `{ ready: false, error }`),
 * `{ bulk: { bytes, wallMs, cpuUs } }`, `{ open: { ms, cpuMs, failed } }` (CPU of
 * the process, all threads; failed attempts before it), `{ quit: true }`; a failed command answers its key
 * with null and `error`. Exits when its parent goes.
 */

const stack = process.argv[2] as StackName;
const send = (m: Message) => {
  if (process.connected) process.send!(m);
};

let pair: ChannelPair | undefined;
let busy = false;
let ending = false;

/** Closes the pair and the stack (node-datachannel's native threads keep the process alive until then), exits. */
async function end(answer: boolean): Promise<void> {
  if (ending) return;
  ending = true;
  await pair?.close().catch(() => {});
  pair = undefined;
  if (answer) send({ quit: true });
  await cleanupStack(stack).catch(() => {});
  process.exit(0);
}

const make = await pairMaker(stack);

async function run(m: Message): Promise<Message> {
  if (m.bulk !== undefined) {
    if (!pair) throw new Error("no pair");
    const maxMs = typeof m.maxMs === "number" ? m.maxMs : 60_000;
    return { bulk: await transferTally(pair, 64 * 1024, m.bulk as number, maxMs, stack) };
  }
  // Tried up to three times (node-datachannel's setRemoteDescription throws now and then, see
  // pairWithRetries); a failed attempt is not measured, only counted.
  for (let failed = 0; ; failed++) {
    try {
      return { open: { ...(await timedOpen(make, stack)), failed } };
    } catch (error) {
      if (failed >= 2) throw error;
    }
  }
}

// The parent that forked us is gone (or done): nothing left to answer.
process.on("disconnect", () => void end(false));
process.on("message", (m: Message) => {
  if (m.quit) {
    void end(true);
    return;
  }
  const key = m.bulk !== undefined ? "bulk" : m.open ? "open" : undefined;
  if (!key || ending) return;
  // One command at a time: the parent's measurement depends on this child being the only busy one.
  if (busy) {
    send({ [key]: null, error: `${stack}: busy` });
    return;
  }
  busy = true;
  run(m)
    .then(send, (error: unknown) => send({ [key]: null, error: `${stack}: ${(error as Error).message}` }))
    .finally(() => {
      busy = false;
    });
});

try {
  pair = await pairWithRetries(make, stack);
  send({ ready: true, openMs: pair.openMs });
} catch (error) {
  send({ ready: false, error: `${stack}: ${(error as Error).message}` });
  await end(false);
}
