import { IdlePool } from "../idle-pool.js";
import { MlKem768DecapsulationKey } from "./mlkem768/index.js";

/** One ML-KEM-768 key pair for one handshake, kept expanded for decapsulation (Â, t̂, ŝ, H(ek)). */
export interface MlKemKeyPair {
  readonly publicKey: Uint8Array;
  /** The decapsulated secret of `cipherText`; throws a `DtlsError` for a malformed one. */
  decapsulate(cipherText: Uint8Array): Uint8Array;
  /** Wipes the secret key (and the prepared public data): call once the exchange is done or dropped. */
  dispose(): void;
}

/**
 * A small pool of ML-KEM-768 client key pairs made ahead, off the handshake's
 * critical path: X25519MLKEM768 costs a DTLS 1.3 client an ML-KEM key
 * generation and a decapsulation (./mlkem768: Node 20's OpenSSL 3.0 has no
 * ML-KEM), and a pair comes with its key kept expanded (Â, t̂, ŝ as key
 * generation left them), so the decapsulation's re-encryption skips the k²
 * SampleNTT expansions and H(ek).
 *
 * Security: each pair is handed out once ({@link MlKemKeyPool.take} removes
 * it) and never reused, so every handshake still has its own ephemeral KEM
 * key and the same forward secrecy as a key made at hello time. A pair in the
 * pool protects nothing until it is taken: its public key has not been sent.
 * Pairs come from the CSPRNG (node:crypto) when made; the process is
 * never forked with them (Node starts children fresh). Pairs older than
 * `maxAgeMs` are wiped and dropped rather than used, so a pool left idle does not serve
 * keys made long before, and {@link MlKemKeyPool.clear} wipes them.
 *
 * Bounds: at most `size` pairs (about 9 KB each with the expanded key);
 * refilling is one pair per event-loop turn, after the turn's I/O, on unref'd
 * immediates (they never keep the process alive), only after a handshake
 * asked for one ({@link MlKemKeyPool.refillSoon}), so an idle process does no
 * work (../idle-pool.ts).
 */
export class MlKemKeyPool extends IdlePool<MlKemKeyPair> {
  constructor(size = 2, maxAgeMs = 60_000) {
    super(size, maxAgeMs);
  }

  protected make(): MlKemKeyPair {
    return freshPair();
  }

  protected override discard(pair: MlKemKeyPair): void {
    pair.dispose();
  }
}

/**
 * A pair made now: for the pool ahead of time, or on the critical path when the pool is empty or
 * off. Either way the key stays expanded, since key generation computes Â, t̂ and ŝ anyway.
 */
export function freshPair(): MlKemKeyPair {
  return MlKem768DecapsulationKey.generate().key;
}

let processPool: MlKemKeyPool | undefined;

/** The process-wide pool of connections not given one. */
export function defaultMlKemPool(): MlKemKeyPool {
  processPool ??= new MlKemKeyPool();
  return processPool;
}
