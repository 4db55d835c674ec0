import { digest, type HmacHash } from "../crypto/hmac.js";

/** Room a transcript starts with: a DTLS 1.3 x25519 handshake with one certificate each way fits. */
const INITIAL = 2048;
const EMPTY = new Uint8Array(0);

/**
 * The handshake transcript as one growing byte buffer: each message is copied
 * in once, and each hash of the transcript so far (a DTLS 1.3 handshake takes
 * six per side) hashes a view of it. A list of parts concatenated for every
 * hash copied the whole transcript each time and made a small array per
 * TLS 1.3 message header.
 */
export class Transcript {
  private buf: Uint8Array = EMPTY;
  private len = 0;

  /** Bytes so far. */
  get length(): number {
    return this.len;
  }

  private room(n: number): number {
    const at = this.len;
    if (at + n > this.buf.length) {
      // A plain Uint8Array (V8's own subarray() for the hash views), not a slice of Node's Buffer
      // pool: two transcripts per handshake took most of an 8 KB pool, and a new pool each time.
      const next = new Uint8Array(Math.max(INITIAL, 2 * (at + n)));
      next.set(this.buf.subarray(0, at));
      this.buf = next;
    }
    this.len = at + n;
    return at;
  }

  /** Appends bytes as they are (a DTLS 1.2 message with its 12-byte header, a whole TLS message). */
  add(bytes: Uint8Array): void {
    const at = this.room(bytes.length); // before reading this.buf: room() may replace it
    this.buf.set(bytes, at);
  }

  /** Appends a message in its TLS form: type, 24-bit length, body (what DTLS 1.3 hashes, RFC 9147 §5.2). */
  addTls(type: number, body: Uint8Array): void {
    const n = body.length;
    const at = this.room(4 + n);
    const b = this.buf;
    b[at] = type;
    b[at + 1] = n >>> 16;
    b[at + 2] = (n >>> 8) & 0xff;
    b[at + 3] = n & 0xff;
    b.set(body, at + 4);
  }

  /** Starts over (the transcript restarts after a HelloVerifyRequest or HelloRetryRequest); the buffer is kept. */
  reset(): void {
    this.len = 0;
  }

  /** The bytes so far: a view, valid until the next change. */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  /** Hash of the transcript so far. */
  hash(algorithm: HmacHash): Buffer {
    return digest(algorithm, this.buf.subarray(0, this.len));
  }

  /** Drops the buffer (the handshake is over). */
  release(): void {
    this.buf = EMPTY;
    this.len = 0;
  }
}
