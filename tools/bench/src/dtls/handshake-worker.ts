import "reflect-metadata";
import { DtlsCertificate, nobleCrypto } from "@purertc/dtls";
import { CipherContext, HashAlgorithm, NamedCurveAlgorithm, SignatureAlgorithm } from "werift";
import { delayedLink, type OursVariant, oursPair, type Pair, socketPair, weriftPair } from "./pairs.js";

/**
 * Sequential DTLS handshakes of one implementation in a process of its own
 * (started by the dtls suite with an IPC channel). It first runs `warmup`
 * handshakes (the JIT needs about 2,000 of ours to reach steady state) and
 * reports the first 100 as the cold figure; then each `{ ms, rewarm }`
 * message runs `rewarm` unmeasured handshakes, then handshakes for `ms`, and is
 * answered with `{ times, cpu, elapsed }`
 * (ms per handshake, process CPU ms per handshake, wall ms of the round).
 * The suite alternates rounds between implementations so that both see the
 * same machine load, while neither pays for the other's garbage, timers or
 * JIT state.
 *
 * Usage (from the suite): fork(handshake-worker.js, [<ours|ours13|ours13pq|werift|noble|ours:VARIANT>, <warmup>])
 * (ours and noble: DTLS 1.2; ours13: DTLS 1.3 with x25519; ours13pq: DTLS 1.3 with X25519MLKEM768;
 * ours:VARIANT: any {@link OursVariant} of ./pairs.ts, e.g. ours:1.3-x25519-direct)
 */

const [impl, warmupArg] = process.argv.slice(2);
const warmup = Number(warmupArg ?? 2000);
const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));
const owner = { label: `dtls-bench-${impl}` };
const sockets = await socketPair(owner);

let make: () => Promise<Pair>;
if (impl === "werift") {
  const sig = { signature: SignatureAlgorithm.ecdsa_3, hash: HashAlgorithm.sha256_4 };
  const pems = [
    await CipherContext.createSelfSignedCertificateWithKey(sig, NamedCurveAlgorithm.secp256r1_23),
    await CipherContext.createSelfSignedCertificateWithKey(sig, NamedCurveAlgorithm.secp256r1_23),
  ];
  make = () => weriftPair(sockets, pems);
} else if (
  impl === "ours" ||
  impl === "noble" ||
  impl === "ours13" ||
  impl === "ours13pq" ||
  impl?.startsWith("ours:")
) {
  const certs = [await DtlsCertificate.generate(), await DtlsCertificate.generate()];
  const variant: OursVariant = impl.startsWith("ours:")
    ? (impl.slice(5) as OursVariant)
    : impl === "ours13"
      ? "1.3-x25519"
      : impl === "ours13pq"
        ? "1.3-mlkem"
        : "1.2";
  make = () => oursPair(sockets, certs, impl === "noble" ? nobleCrypto : undefined, variant);
} else {
  throw new Error(`unknown implementation ${impl}: ours, ours13, ours13pq, ours:VARIANT, werift or noble`);
}

/**
 * Runs handshakes: `count` of them, or as many as fit in `ms` (at most 20,000). Returns the wall
 * and CPU ms of each, and the wall ms of the whole round.
 */
async function round(count: number, ms = Number.POSITIVE_INFINITY) {
  const times: number[] = [];
  const cpu: number[] = [];
  const start = performance.now();
  for (let i = 0; i < Math.min(count, 20_000) && performance.now() - start < ms; i++) {
    const p = await make();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await p.connect();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(cpu0);
    cpu.push((c.user + c.system) / 1000);
    await p.close();
    await immediate(); // let the close_notify drain before the next pair
  }
  return { times, cpu, elapsed: performance.now() - start };
}

const cold = await round(Math.min(100, warmup));
await round(Math.max(0, warmup - 100));
// The "-rtt20" variants measure over a 20 ms round trip; the warm-up above ran without it.
if (impl?.endsWith("-rtt20")) delayedLink.oneWayMs = 10;
process.send!({ ready: true, cold: cold.times });
process.on("message", (m: { ms?: number; rewarm?: number; done?: boolean }) => {
  if (m.ms !== undefined) {
    // A few unmeasured handshakes first: this process sat idle while the others ran.
    void round(m.rewarm ?? 0)
      .then(() => round(Number.POSITIVE_INFINITY, m.ms))
      .then((r) => process.send!(r));
    return;
  }
  // The owner is read here, after the last handshake: it holds the sockets (the registry
  // closes and reports the sockets of an owner that was collected).
  void Promise.all(sockets.map((s) => s.close())).then(() => {
    if (owner.label) process.disconnect();
  });
});
