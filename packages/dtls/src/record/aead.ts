import { createCipheriv, createDecipheriv } from "node:crypto";
import { DtlsError } from "../errors.js";
import { AeadKey } from "./aead-key.js";
import { RECORD_HEADER_LENGTH, writeRecordHeader } from "./header.js";

/** The AEAD algorithms of the supported cipher suites. */
export type AeadAlgorithm = "aes-128-gcm" | "aes-256-gcm" | "chacha20-poly1305";

const TAG = 16;

/**
 * Protects and opens records of one epoch in one direction with an AEAD:
 * AES-GCM as in RFC 5288 (4-byte implicit salt, 8-byte explicit nonce sent
 * with each record) or ChaCha20-Poly1305 as in RFC 7905 (12-byte IV XORed
 * with the sequence number, nothing explicit). The additional data is
 * epoch‖seq‖type‖version‖length of the plaintext (RFC 6347 §4.1.2.1).
 */
export class RecordAead {
  /** Bytes a record grows by when protected. */
  readonly overhead: number;
  private readonly explicit: boolean;
  private readonly nonce = Buffer.alloc(12);
  /** The implicit IV: the 4-byte salt (GCM) or the 12-byte IV (ChaCha20-Poly1305). */
  private readonly iv: Buffer;
  private readonly aad = Buffer.alloc(13);
  private readonly key: AeadKey;

  constructor(
    readonly algorithm: AeadAlgorithm,
    key: Uint8Array,
    iv: Uint8Array,
  ) {
    this.explicit = algorithm !== "chacha20-poly1305";
    this.key = new AeadKey(key);
    this.iv = Buffer.from(iv);
    // GCM: the 4-byte salt never changes, so it is written into the nonce once.
    if (this.explicit) this.iv.copy(this.nonce, 0, 0, 4);
    this.overhead = (this.explicit ? 8 : 0) + TAG;
  }

  private setNonce(epoch: number, seq: number): void {
    const n = this.nonce;
    const hi = Math.floor(seq / 2 ** 32);
    const lo = seq >>> 0;
    if (this.explicit) {
      n[4] = epoch >>> 8;
      n[5] = epoch & 0xff;
      n[6] = hi >>> 8;
      n[7] = hi & 0xff;
      n.writeUInt32BE(lo, 8);
    } else {
      this.iv.copy(n, 0, 0, 12);
      n[4]! ^= epoch >>> 8;
      n[5]! ^= epoch & 0xff;
      n[6]! ^= hi >>> 8;
      n[7]! ^= hi & 0xff;
      n[8]! ^= lo >>> 24;
      n[9]! ^= (lo >>> 16) & 0xff;
      n[10]! ^= (lo >>> 8) & 0xff;
      n[11]! ^= lo & 0xff;
    }
  }

  /** Encrypts `plaintext` into a whole record (header included). */
  seal(type: number, version: number, epoch: number, seq: number, plaintext: Uint8Array): Uint8Array {
    this.setNonce(epoch, seq);
    writeAad(this.aad, type, version, epoch, seq, plaintext.length);
    // GCM and ChaCha20-Poly1305 default to 16-byte tags: no options object on the hot path.
    const cipher = createCipheriv(this.algorithm as "aes-128-gcm", this.key.next(), this.nonce);
    cipher.setAAD(this.aad);
    const bodyLength = this.overhead + plaintext.length;
    const out = Buffer.allocUnsafe(RECORD_HEADER_LENGTH + bodyLength);
    writeRecordHeader(out, 0, type, version, epoch, seq, bodyLength);
    let o = RECORD_HEADER_LENGTH;
    if (this.explicit) {
      const n = this.nonce;
      for (let i = 4; i < 12; i++) out[o++] = n[i]!;
    }
    // set() rather than Buffer#copy: copy() with offsets makes a view each call in Node 20.
    const body = cipher.update(plaintext);
    out.set(body, o);
    o += body.length;
    const rest = cipher.final();
    if (rest.length > 0) {
      out.set(rest, o);
      o += rest.length;
    }
    out.set(cipher.getAuthTag(), o);
    return out;
  }

  /**
   * Decrypts a record body; throws `ERR_DTLS_BAD_RECORD_MAC` when it does not
   * authenticate (the caller drops it silently and counts it).
   */
  open(type: number, version: number, epoch: number, seq: number, body: Uint8Array): Uint8Array {
    if (body.length < this.overhead)
      throw new DtlsError("ERR_DTLS_BAD_RECORD_MAC", `protected record of ${body.length} bytes is too short`);
    const plainLength = body.length - this.overhead;
    if (this.explicit) {
      const n = this.nonce;
      for (let i = 0; i < 8; i++) n[4 + i] = body[i]!;
    } else {
      this.setNonce(epoch, seq);
    }
    writeAad(this.aad, type, version, epoch, seq, plainLength);
    const start = this.explicit ? 8 : 0;
    try {
      const decipher = createDecipheriv(this.algorithm as "aes-128-gcm", this.key.next(), this.nonce);
      decipher.setAAD(this.aad);
      decipher.setAuthTag(body.subarray(start + plainLength));
      const out = decipher.update(body.subarray(start, start + plainLength));
      decipher.final();
      return out;
    } catch (cause) {
      throw new DtlsError("ERR_DTLS_BAD_RECORD_MAC", "record failed authentication", { cause });
    }
  }
}

/** Writes the TLS AAD seq_num(epoch‖seq, 8)‖type‖version‖length into `aad` (13 bytes). */
function writeAad(
  aad: Buffer,
  type: number,
  version: number,
  epoch: number,
  seq: number,
  length: number,
): void {
  aad[0] = epoch >>> 8;
  aad[1] = epoch & 0xff;
  const hi = Math.floor(seq / 2 ** 32);
  aad[2] = hi >>> 8;
  aad[3] = hi & 0xff;
  aad.writeUInt32BE(seq >>> 0, 4);
  aad[8] = type;
  aad[9] = version >>> 8;
  aad[10] = version & 0xff;
  aad[11] = length >>> 8;
  aad[12] = length & 0xff;
}
