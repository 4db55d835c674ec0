import "reflect-metadata";
import { DtlsCertificate, nobleCrypto } from "@purertc/dtls";
import { CipherContext, HashAlgorithm, NamedCurveAlgorithm, SignatureAlgorithm } from "werift";
import { oursPair, type Pair, socketPair, weriftPair } from "./pairs.js";

/**
 * Runs sequential DTLS handshakes of one implementation in a process of its
 * own and prints one JSON line: `{ times, cpu, elapsed }` (ms per handshake,
 * process CPU ms per handshake, wall ms of the measured handshakes, warm-up
 * excluded). The dtls suite starts one per round, alternating ours and
 * werift's, so that neither pays for the other's garbage, timers or JIT
 * state, while both see the same machine load.
 *
 * Usage: node handshake-worker.js <ours|werift|noble> <warmup> <count>
 */

const [impl, warmupArg, countArg] = process.argv.slice(2);
const warmup = Number(warmupArg ?? 20);
const count = Number(countArg ?? 50);
const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));
const owner = {};
const sockets = await socketPair(owner);

let make: () => Promise<Pair>;
if (impl === "werift") {
  const sig = { signature: SignatureAlgorithm.ecdsa_3, hash: HashAlgorithm.sha256_4 };
  const pems = [
    await CipherContext.createSelfSignedCertificateWithKey(sig, NamedCurveAlgorithm.secp256r1_23),
    await CipherContext.createSelfSignedCertificateWithKey(sig, NamedCurveAlgorithm.secp256r1_23),
  ];
  make = () => weriftPair(sockets, pems);
} else if (impl === "ours" || impl === "noble") {
  const certs = [await DtlsCertificate.generate(), await DtlsCertificate.generate()];
  make = () => oursPair(sockets, certs, impl === "noble" ? nobleCrypto : undefined);
} else {
  throw new Error(`unknown implementation ${impl}: ours, werift or noble`);
}

const times: number[] = [];
const cpu: number[] = [];
let start = 0;
for (let i = 0; i < warmup + count; i++) {
  if (i === warmup) start = performance.now();
  const p = await make();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await p.connect();
  const t = performance.now() - t0;
  const c = process.cpuUsage(cpu0);
  if (i >= warmup) {
    times.push(t);
    cpu.push((c.user + c.system) / 1000);
  }
  await p.close();
  await immediate(); // let the close_notify drain before the next pair
}
const elapsed = performance.now() - start;
await Promise.all(sockets.map((s) => s.close()));
process.stdout.write(`${JSON.stringify({ times, cpu, elapsed })}\n`);
