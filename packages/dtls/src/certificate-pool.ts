import { DtlsCertificate } from "./certificate.js";

interface Pooled {
  certificate: DtlsCertificate;
  madeAt: number;
}

/**
 * A small pool of fresh self-signed ECDSA P-256 certificates made ahead, off
 * a connection's critical path: a WebRTC endpoint makes a certificate of its
 * own for every connection (as browsers do, so that no fingerprint links two
 * connections), and a PeerConnection answering an offer would otherwise make
 * its certificate between the offer and its answer.
 *
 * Each certificate is handed out once ({@link CertificatePool.take} removes
 * it), never to two connections. Certificates older than `maxAgeMs` are
 * dropped rather than handed out.
 *
 * Bounds: at most `size` certificates (a key and about 300 bytes of DER
 * each); refilling makes one certificate at a time, each key on libuv's
 * thread pool after a turn's I/O (unref'd turns: only a key being made, well
 * under a millisecond, holds the process), and starts only after a take
 * ({@link CertificatePool.refillSoon}), so an idle process does no work.
 * {@link CertificatePool.clear} drops what is pooled.
 */
export class CertificatePool {
  private readonly pooled: Pooled[] = [];
  private refilling = false;
  /** Bumped by clear(): a certificate made for an earlier generation is dropped. */
  private generation = 0;
  /** Certificates taken from the pool, made on demand, dropped for age (tests, stats). */
  readonly stats = { pooled: 0, onDemand: 0, expired: 0 };

  constructor(
    readonly size = 2,
    readonly maxAgeMs = 600_000,
  ) {}

  /** Certificates ready. */
  get available(): number {
    return this.pooled.length;
  }

  /** A certificate for one connection: a pooled one if fresh, else one made now; the pool refills later. */
  take(): DtlsCertificate {
    const now = performance.now();
    let out: DtlsCertificate | undefined;
    for (let p = this.pooled.shift(); p; p = this.pooled.shift()) {
      if (now - p.madeAt <= this.maxAgeMs) {
        this.stats.pooled++;
        out = p.certificate;
        break;
      }
      this.stats.expired++;
    }
    if (!out) {
      this.stats.onDemand++;
      out = DtlsCertificate.generateEcdsa();
    }
    this.refillSoon();
    return out;
  }

  /** Refills the pool on later event-loop turns, one certificate per turn, each after a turn's I/O. */
  refillSoon(): void {
    if (this.refilling || this.pooled.length >= this.size) return;
    this.refilling = true;
    setImmediate(this.afterIo).unref();
  }

  /** One loop turn later: the poll phase in between has delivered what was pending. */
  private readonly afterIo = (): void => {
    setImmediate(this.refillOne).unref();
  };

  private readonly refillOne = (): void => {
    if (this.pooled.length >= this.size) {
      this.refilling = false;
      return;
    }
    // The key is made on libuv's thread pool (off the event loop); one at a time.
    const generation = this.generation;
    DtlsCertificate.generate().then(
      (certificate) => {
        this.refilling = false;
        if (generation !== this.generation) return; // cleared meanwhile
        this.pooled.push({ certificate, madeAt: performance.now() });
        this.refillSoon();
      },
      () => {
        this.refilling = false; // the next take makes one on demand and tries again
      },
    );
  };

  /** Drops the pooled certificates, and the one being made (the next take makes one on demand). */
  clear(): void {
    this.pooled.length = 0;
    this.generation++;
  }
}

let processPool: CertificatePool | undefined;

/** The process-wide pool of certificates for connections not given one (PeerConnection's default). */
export function defaultCertificatePool(): CertificatePool {
  processPool ??= new CertificatePool();
  return processPool;
}
