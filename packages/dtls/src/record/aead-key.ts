import { createSecretKey, type KeyObject } from "node:crypto";

/** Records of one epoch and direction after which its key becomes a KeyObject. */
const PROMOTE_AFTER = 16;

/**
 * The AEAD key of one epoch and direction, as createCipheriv takes it: raw
 * bytes for the epoch's first records, then a KeyObject made once. A
 * KeyObject saves createCipheriv validating and copying the key on every
 * record (measured on Node 20: about 7 % of a 1200-byte seal and open), but
 * it is a native object with a weak handle: a handshake epoch carries one to
 * three records, and making one for each (eight per DTLS 1.3 handshake) cost
 * more in young-generation GC than it saved.
 */
export class AeadKey {
  private key: Buffer | KeyObject;
  private uses = 0;

  constructor(raw: Uint8Array) {
    // Buffer.alloc, not Buffer.from: a small Buffer.from is a view of Node's shared 8 KB pool, kept whole.
    const key = Buffer.alloc(raw.length);
    key.set(raw);
    this.key = key;
  }

  /** The key for the next record. */
  next(): Buffer | KeyObject {
    if (this.uses < PROMOTE_AFTER && ++this.uses === PROMOTE_AFTER)
      this.key = createSecretKey(this.key as Buffer);
    return this.key;
  }
}
