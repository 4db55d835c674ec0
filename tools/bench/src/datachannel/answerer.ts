import "reflect-metadata";
import type { Message } from "../child-ipc.js";
import { cleanupHalves, type Description, type Half, type HalfStack, halfMaker } from "./halves.js";

/**
 * The answering peers of the two-process open (forked by offerer.ts):
 * `node answerer.js <stack>`. In: `{ offer: { id, description } }`,
 * `{ candidate: { id, candidate } }`, `{ cpu: id }`, `{ close: id }`,
 * `{ ping: n }`, `{ received: id }`. Out: `{ ready: true }`, `{ answer: { id, description } }`,
 * `{ candidate: { id, candidate } }`, `{ cpuMs, answerCpuMs }` (CPU since that offer
 * came in, and in its answer() call), `{ closed: id }`, `{ pong: n }`, `{ bytes, cpuTotalMs }`,
 * `{ error }`. Exits when its parent goes.
 */

const stack = process.argv[2] as HalfStack;
const makeHalf = await halfMaker(stack);
const send = (m: Message) => process.send!(m);
const halves = new Map<number, Half>();
/** Candidates that came before their offer (trickled while the offerer set its local description). */
const early = new Map<number, unknown[]>();
/** This process's CPU when each open's offer came in. */
const cpuAtOffer = new Map<number, NodeJS.CpuUsage>();

async function answer(id: number, offer: Description): Promise<void> {
  cpuAtOffer.set(id, process.cpuUsage());
  const half = makeHalf(false);
  halves.set(id, half);
  half.onCandidate((candidate) => send({ candidate: { id, candidate } }));
  for (const c of early.get(id) ?? []) half.addCandidate(c);
  early.delete(id);
  const description = await half.answer(offer);
  send({ answer: { id, description } });
}

async function close(id: number): Promise<void> {
  const half = halves.get(id);
  halves.delete(id);
  early.delete(id);
  cpuAtOffer.delete(id);
  await half?.close();
  send({ closed: id });
}

// The offerer that forked us is gone (or done): nothing left to answer.
process.on("disconnect", () => void cleanupHalves(stack).finally(() => process.exit(0)));
process.on("message", (m: Message) => {
  if (m.ping !== undefined) send({ pong: m.ping });
  else if (m.received !== undefined) {
    // Bytes on that pair's channel so far, and this process's CPU (ms) to take deltas of.
    const u = process.cpuUsage();
    send({
      bytes: halves.get(m.received as number)?.received() ?? 0,
      cpuTotalMs: (u.user + u.system) / 1000,
    });
  } else if (m.cpu !== undefined) {
    const u = process.cpuUsage(cpuAtOffer.get(m.cpu as number));
    send({ cpuMs: (u.user + u.system) / 1000, answerCpuMs: halves.get(m.cpu as number)?.answerCpuMs });
  } else if (m.offer) {
    const { id, description } = m.offer as { id: number; description: Description };
    answer(id, description).catch((error: unknown) => send({ error: `${stack} answerer: ${String(error)}` }));
  } else if (m.candidate) {
    const { id, candidate } = m.candidate as { id: number; candidate: unknown };
    const half = halves.get(id);
    if (half) half.addCandidate(candidate);
    else if (early.size < 64) early.set(id, [...(early.get(id) ?? []), candidate]);
  } else if (m.close !== undefined) {
    close(m.close as number).catch((error: unknown) => send({ error: `${stack} close: ${String(error)}` }));
  }
});
send({ ready: true });
