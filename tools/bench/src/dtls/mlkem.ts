import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { MlKem768DecapsulationKey, mlKem768Decapsulate, mlKem768Encapsulate } from "@purertc/dtls";
import { type BenchRow, percentiles } from "../harness.js";

/**
 * ML-KEM-768 operations, ours (@purertc/dtls, node:crypto's SHA-3) beside
 * @noble/post-quantum's ml_kem768 in the same process and run: key generation,
 * encapsulation (what a DTLS 1.3 server does for X25519MLKEM768), decapsulation
 * from the encoded 2400-byte key, and decapsulation with a key kept expanded
 * (what a client does with a pooled pair: ours from key generation, noble's
 * through `prepare(publicKey)`). Short rounds alternate between the two so
 * both see the same machine load; each figure is the median of the rounds'
 * µs per operation. The ratio (noble / ours) is in the reference column.
 */

type Op = () => unknown;

/** µs per call of `fn` over about `ms` milliseconds. */
function usPerOp(fn: Op, ms: number): number {
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 10; i++) fn();
    count += 10;
    elapsed = performance.now() - start;
  }
  return (elapsed * 1000) / count;
}

/** Median µs per op of ours and noble's, alternating rounds. */
function compare(ours: Op, noble: Op, rounds: number, roundMs: number): { ours: number; noble: number } {
  usPerOp(ours, roundMs); // warm-up of both
  usPerOp(noble, roundMs);
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    a.push(usPerOp(ours, roundMs));
    b.push(usPerOp(noble, roundMs));
  }
  return { ours: percentiles(a).median, noble: percentiles(b).median };
}

/** The ML-KEM-768 rows of the dtls suite. */
export function mlkemRows(quick: boolean): BenchRow[] {
  const rounds = quick ? 3 : 8;
  const roundMs = quick ? 100 : 250;
  const pair = MlKem768DecapsulationKey.generate();
  const theirs = ml_kem768.keygen();
  const prepared = ml_kem768.prepare(theirs.publicKey);
  const ct = mlKem768Encapsulate(pair.publicKey).cipherText;
  const theirCt = ml_kem768.encapsulate(theirs.publicKey).cipherText;
  const cases: [string, Op, Op][] = [
    ["key generation", () => MlKem768DecapsulationKey.generate(), () => ml_kem768.keygen()],
    [
      "encapsulation (DTLS server)",
      () => mlKem768Encapsulate(pair.publicKey),
      () => ml_kem768.encapsulate(theirs.publicKey),
    ],
    [
      "decapsulation of an encoded key",
      () => mlKem768Decapsulate(ct, pair.secretKey),
      () => ml_kem768.decapsulate(theirCt, theirs.secretKey),
    ],
    [
      "decapsulation, expanded key (pooled DTLS client)",
      () => pair.key.decapsulate(ct),
      () => prepared.decapsulate(theirCt, theirs.secretKey),
    ],
  ];
  return cases.map(([what, ours, noble]) => {
    const r = compare(ours, noble, rounds, roundMs);
    return {
      metric: `ML-KEM-768 ${what}`,
      unit: "us",
      ours: r.ours,
      reference: {
        name: `@noble/post-quantum (ours ${(r.noble / r.ours).toFixed(2)}x faster)`,
        value: r.noble,
      },
      higherIsBetter: false,
    };
  });
}
