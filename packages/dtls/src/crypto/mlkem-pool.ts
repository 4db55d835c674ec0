import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";

/** One ML-KEM-768 key pair for one handshake, prepared for decapsulation when it came from the pool. */
export interface MlKemKeyPair {
  readonly publicKey: Uint8Array;
  /** The decapsulated secret of `cipherText`; throws for a malformed one (noble's checks). */
  decapsulate(cipherText: Uint8Array): Uint8Array;
  /** Wipes the secret key (and the prepared public data): call once the exchange is done or dropped. */
  dispose(): void;
}

interface Pooled {
  pair: MlKemKeyPair;
  madeAt: number;
}

/**
 * A small pool of ML-KEM-768 client key pairs made ahead, off the handshake's
 * critical path: X25519MLKEM768 costs a DTLS 1.3 client an ML-KEM key
 * generation and a decapsulation in JavaScript (noble; Node 20's OpenSSL 3.0
 * has no ML-KEM), and a pooled pair comes with its public key already
 * expanded (noble's `prepare`: Â and t̂ decoded, the K² SampleNTT expansions
 * done), which makes the decapsulation's re-encryption cheaper too.
 *
 * Security: each pair is handed out once ({@link MlKemKeyPool.take} removes
 * it) and never reused, so every handshake still has its own ephemeral KEM
 * key and the same forward secrecy as a key made at hello time. A pair in the
 * pool protects nothing until it is taken: its public key has not been sent.
 * Pairs come from the CSPRNG (noble's `randomBytes`) when made; the process is
 * never forked with them (Node starts children fresh). Pairs older than
 * `maxAgeMs` are dropped rather than used, so a pool left idle does not serve
 * keys made long before, and {@link MlKemKeyPool.clear} wipes them.
 *
 * Bounds: at most `size` pairs (about 14 KB each with the prepared data);
 * refilling is one pair per `setImmediate` turn, unref'd (it never keeps the
 * process alive), only after a handshake asked for one ({@link MlKemKeyPool.refillSoon}),
 * so an idle process does no work.
 */
export class MlKemKeyPool {
  private readonly pairs: Pooled[] = [];
  private refilling = false;
  /** Pairs taken from the pool and made on demand (tests, stats). */
  readonly stats = { pooled: 0, onDemand: 0, expired: 0 };

  constructor(
    readonly size = 2,
    readonly maxAgeMs = 60_000,
  ) {}

  /** Pairs ready. */
  get available(): number {
    return this.pairs.length;
  }

  /** A key pair used for one handshake: a pooled one if fresh, else one made now. */
  take(): MlKemKeyPair {
    const now = performance.now();
    for (let p = this.pairs.shift(); p; p = this.pairs.shift()) {
      if (now - p.madeAt <= this.maxAgeMs) {
        this.stats.pooled++;
        return p.pair;
      }
      this.stats.expired++;
      p.pair.dispose();
    }
    this.stats.onDemand++;
    return onDemandPair();
  }

  /**
   * Refills the pool on later event-loop turns, one pair per turn, each after
   * a turn's I/O: datagrams already on their way (the peer's answer to the
   * flight just sent) are handled first.
   */
  refillSoon(): void {
    if (this.refilling || this.pairs.length >= this.size) return;
    this.refilling = true;
    setImmediate(this.afterIo).unref();
  }

  /** One loop turn later: the poll phase in between has delivered what was pending. */
  private readonly afterIo = (): void => {
    setImmediate(this.refillOne).unref();
  };

  private readonly refillOne = (): void => {
    this.refilling = false;
    if (this.pairs.length >= this.size) return;
    this.pairs.push({ pair: preparedPair(), madeAt: performance.now() });
    this.refillSoon();
  };

  /** Wipes and drops the pooled pairs (the next take makes one on demand). */
  clear(): void {
    for (const p of this.pairs) p.pair.dispose();
    this.pairs.length = 0;
  }
}

/** A pair made on the critical path: plain decapsulation (preparing it would cost as much as it saves). */
export function onDemandPair(): MlKemKeyPair {
  const { publicKey, secretKey } = ml_kem768.keygen();
  return {
    publicKey,
    decapsulate: (cipherText) => ml_kem768.decapsulate(cipherText, secretKey),
    dispose: () => secretKey.fill(0),
  };
}

/** A pair made ahead, with its public key prepared (noble checks that the secret key matches it). */
function preparedPair(): MlKemKeyPair {
  const { publicKey, secretKey } = ml_kem768.keygen();
  const prepared = ml_kem768.prepare(publicKey);
  return {
    publicKey,
    decapsulate: (cipherText) => prepared.decapsulate(cipherText, secretKey),
    dispose: () => {
      secretKey.fill(0);
      prepared.clean();
    },
  };
}

let processPool: MlKemKeyPool | undefined;

/** The process-wide pool of connections not given one. */
export function defaultMlKemPool(): MlKemKeyPool {
  processPool ??= new MlKemKeyPool();
  return processPool;
}
