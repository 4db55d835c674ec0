import { DtlsCertificate } from "./certificate.js";
import { IdlePool } from "./idle-pool.js";

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
 * each); refilling makes one certificate per event-loop turn (about 0.15 ms,
 * after the turn's I/O, on unref'd immediates) and starts only after a take,
 * so an idle process does no work (./idle-pool.ts).
 * {@link CertificatePool.clear} drops what is pooled.
 */
export class CertificatePool extends IdlePool<DtlsCertificate> {
  constructor(size = 2, maxAgeMs = 600_000) {
    super(size, maxAgeMs);
  }

  protected make(): DtlsCertificate {
    return DtlsCertificate.generateEcdsa();
  }

  /**
   * Nothing to wipe: the private key lives in a node:crypto KeyObject (OpenSSL
   * memory, freed when the object is collected), not in bytes we hold.
   */
  protected discard(_certificate: DtlsCertificate): void {}

  /** A certificate for one connection: a pooled one if fresh, else one made now; the pool refills later. */
  override take(): DtlsCertificate {
    const out = super.take();
    this.refillSoon();
    return out;
  }
}

let processPool: CertificatePool | undefined;

/** The process-wide pool of certificates for connections not given one (PeerConnection's default). */
export function defaultCertificatePool(): CertificatePool {
  processPool ??= new CertificatePool();
  return processPool;
}
