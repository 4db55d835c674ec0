import { type Cipher, createCipheriv, createDecipheriv } from "node:crypto";
import type { TrafficKeys } from "../crypto/key-schedule13.js";
import { DtlsError } from "../errors.js";
import type { AeadAlgorithm } from "./aead.js";
import { AeadKey } from "./aead-key.js";

const TAG = 16;
/** Header we send: 001 C=0 S=1 L=1 EE (16-bit sequence number, length present). */
const FIRST_BYTE = 0x2c;
/** Length of that header. */
export const UNIFIED_HEADER_LENGTH = 5;
const ZEROS = Buffer.alloc(16);

/** A DTLS 1.3 protected record as parsed from a datagram, before it is opened. */
export interface UnifiedRecord {
  /** The first byte (flags and the epoch's two low bits). */
  first: number;
  /** Low two bits of the epoch. */
  epochBits: number;
  /** The header as on the wire (sequence number still encrypted). */
  header: Uint8Array;
  /** 1 or 2: bytes of sequence number in the header. */
  seqLength: number;
  /** The ciphertext (encrypted content, type and padding, and the tag). */
  body: Uint8Array;
}

/**
 * The header as authenticated (sequence number unmasked), rewritten for each record sealed or
 * opened: one buffer per header length (2 to 5 bytes), so no view is cut per record. Shared by
 * every epoch of every connection (with the nonce): both are read synchronously by
 * createCipheriv/setAAD, which copy them, so one thread never sees two users at once, and an idle
 * connection keeps none of its own (six buffers per epoch and direction were 1.5 KB per connection).
 */
const AADS = [
  new Uint8Array(0),
  new Uint8Array(1),
  new Uint8Array(2),
  new Uint8Array(3),
  new Uint8Array(4),
  new Uint8Array(5),
];
const NONCE = Buffer.alloc(12);

/** A copy in memory of its own: Buffer.from() of a few bytes is a view of Node's shared 8 KB pool, all of which it keeps. */
function ownBuffer(bytes: Uint8Array): Buffer {
  const b = Buffer.alloc(bytes.length);
  b.set(bytes);
  return b;
}

/**
 * Record protection of DTLS 1.3 for one epoch and one direction (RFC 9147 §4):
 * DTLSInnerPlaintext (content ‖ type), AEAD with nonce = iv XOR the 64-bit
 * sequence number (the epoch is not included), the header before record-number
 * encryption as additional data, then the sequence number bits masked with
 * AES-ECB (AES-GCM suites) or ChaCha20 (ChaCha20-Poly1305) of the first 16
 * bytes of ciphertext under sn_key (§4.2.3).
 */
export class RecordAead13 {
  /** Bytes a record grows by: header, content type, tag. */
  readonly overhead = UNIFIED_HEADER_LENGTH + 1 + TAG;
  private readonly key: AeadKey;
  private readonly iv: Buffer;
  private readonly sn: Buffer;
  /** Content type of the record {@link openAt} opened last. */
  openedType = 0;
  /**
   * AES suites: one ECB cipher for the record-number masks of this epoch and direction, kept
   * (ECB has no chaining state, so update() of one block at a time is the mask): a cipher object
   * per record cost as much again as the record's own AEAD (measured: 1.3 throughput 56% of 1.2).
   */
  private ecb: Cipher | undefined;

  constructor(
    readonly algorithm: AeadAlgorithm,
    keys: TrafficKeys,
  ) {
    this.key = new AeadKey(keys.key);
    this.iv = ownBuffer(keys.iv);
    this.sn = ownBuffer(keys.sn);
  }

  private setNonce(seq: number): void {
    const n = NONCE;
    this.iv.copy(n);
    const hi = Math.floor(seq / 2 ** 32);
    const lo = seq >>> 0;
    n[6]! ^= hi >>> 8;
    n[7]! ^= hi & 0xff;
    n[8]! ^= lo >>> 24;
    n[9]! ^= (lo >>> 16) & 0xff;
    n[10]! ^= (lo >>> 8) & 0xff;
    n[11]! ^= lo & 0xff;
  }

  /** The record-number mask from the first 16 bytes of ciphertext (at `offset` of `b`). */
  private mask(b: Uint8Array, offset: number): Buffer {
    const sample = b.subarray(offset, offset + 16);
    if (this.algorithm !== "chacha20-poly1305") {
      // Made on first use: a handshake makes four epochs' ciphers and uses some of them little.
      if (!this.ecb) {
        // No setAutoPadding(false): padding only acts in final(), never called; update() of whole
        // blocks encrypts them at once (one native call less per epoch and direction).
        this.ecb = createCipheriv(
          this.algorithm === "aes-128-gcm" ? "aes-128-ecb" : "aes-256-ecb",
          this.sn,
          null,
        );
      }
      return this.ecb.update(sample);
    }
    // RFC 9147 §4.2.3: counter = first 4 bytes (little-endian), nonce = next 12: exactly
    // Node's 16-byte chacha20 IV.
    return createCipheriv("chacha20", this.sn, sample).update(ZEROS);
  }

  /**
   * Protects one record of `epoch` with sequence number `seq` (whole record,
   * header included). We send the 16-bit sequence number and the length; the
   * shorter forms (for tests: `short`) are what other stacks may send.
   */
  seal(
    epoch: number,
    seq: number,
    type: number,
    plaintext: Uint8Array,
    short?: { seq8?: boolean; noLength?: boolean },
  ): Uint8Array {
    const cipherLength = plaintext.length + 1 + TAG;
    const seqLength = short?.seq8 ? 1 : 2;
    const headerLength = 1 + seqLength + (short?.noLength ? 0 : 2);
    const out = Buffer.allocUnsafe(headerLength + cipherLength);
    out[0] =
      (short ? 0x20 | (short.seq8 ? 0 : 0x08) | (short.noLength ? 0 : 0x04) : FIRST_BYTE) | (epoch & 3);
    if (seqLength === 2) {
      out[1] = (seq >>> 8) & 0xff;
      out[2] = seq & 0xff;
    } else out[1] = seq & 0xff;
    if (!short?.noLength) {
      out[headerLength - 2] = cipherLength >>> 8;
      out[headerLength - 1] = cipherLength & 0xff;
    }
    this.setNonce(seq);
    const cipher = createCipheriv(this.algorithm as "aes-128-gcm", this.key.next(), NONCE);
    // The header as additional data, through a kept buffer rather than a view of `out`.
    const aad = AADS[headerLength]!;
    for (let i = 0; i < headerLength; i++) aad[i] = out[i]!;
    cipher.setAAD(aad);
    let o = headerLength;
    // DTLSInnerPlaintext (content ‖ type) is assembled in the output buffer and encrypted in one call.
    const inner = out.subarray(headerLength, headerLength + plaintext.length + 1);
    inner.set(plaintext, 0);
    inner[plaintext.length] = type;
    const a = cipher.update(inner);
    out.set(a, o);
    o += a.length;
    const rest = cipher.final();
    if (rest.length > 0) {
      out.set(rest, o);
      o += rest.length;
    }
    out.set(cipher.getAuthTag(), o);
    const mask = this.mask(out, headerLength);
    out[1]! ^= mask[0]!;
    if (seqLength === 2) out[2]! ^= mask[1]!;
    return out;
  }

  /** The low bits of the sequence number of `r` (unmasked). */
  sequenceBits(r: UnifiedRecord): number {
    return this.sequenceBitsAt(r.header, r.seqLength, r.body);
  }

  /** The same for a record whose header starts at `h[0]` (a datagram or the record's header view). */
  sequenceBitsAt(h: Uint8Array, seqLength: number, body: Uint8Array): number {
    const mask = this.mask(body, 0);
    return seqLength === 2 ? ((h[1]! ^ mask[0]!) << 8) | (h[2]! ^ mask[1]!) : h[1]! ^ mask[0]!;
  }

  /**
   * Opens `r` as record number `seq`: returns the content type and content,
   * or throws `ERR_DTLS_BAD_RECORD_MAC`.
   */
  open(r: UnifiedRecord, seq: number): { type: number; content: Uint8Array } {
    const content = this.openAt(r.header, r.header.length, r.seqLength, seq, r.body);
    return { type: this.openedType, content };
  }

  /**
   * Opens the record whose header is `h[0..headerLength)` and ciphertext
   * `body` as record number `seq`: returns the content and leaves its type in
   * {@link openedType} (no result object per record on the receive path).
   * Throws `ERR_DTLS_BAD_RECORD_MAC` or `ERR_DTLS_MALFORMED`.
   */
  openAt(h: Uint8Array, headerLength: number, seqLength: number, seq: number, body: Uint8Array): Uint8Array {
    if (body.length < TAG + 1) throw new DtlsError("ERR_DTLS_BAD_RECORD_MAC", "record too short");
    const aad = AADS[headerLength]!;
    for (let i = 0; i < headerLength; i++) aad[i] = h[i]!;
    if (seqLength === 2) {
      aad[1] = (seq >>> 8) & 0xff;
      aad[2] = seq & 0xff;
    } else aad[1] = seq & 0xff;
    this.setNonce(seq);
    let inner: Buffer;
    try {
      const d = createDecipheriv(this.algorithm as "aes-128-gcm", this.key.next(), NONCE);
      d.setAAD(aad);
      const n = body.length - TAG;
      d.setAuthTag(body.subarray(n));
      inner = d.update(body.subarray(0, n));
      d.final();
    } catch (cause) {
      throw new DtlsError("ERR_DTLS_BAD_RECORD_MAC", "record failed authentication", { cause });
    }
    let end = inner.length - 1;
    while (end >= 0 && inner[end] === 0) end--;
    if (end < 0) throw new DtlsError("ERR_DTLS_MALFORMED", "record with no content type", { alert: 10 });
    this.openedType = inner[end]!;
    return inner.subarray(0, end);
  }
}

/**
 * Parses one DTLS 1.3 unified-header record at `offset` (RFC 9147 §4): all
 * forms of the header (8- or 16-bit sequence number, with or without length).
 * A connection ID is refused (none is negotiated). Returns the record and the
 * offset after it.
 */
export function parseUnifiedRecord(
  data: Uint8Array,
  offset: number,
): { record: UnifiedRecord; next: number } {
  const first = data[offset]!;
  if ((first & 0xe0) !== 0x20) throw new DtlsError("ERR_DTLS_MALFORMED", "not a DTLS 1.3 ciphertext record");
  if (first & 0x10)
    throw new DtlsError("ERR_DTLS_UNSUPPORTED", "record with a connection ID (none negotiated)");
  const seqLength = first & 0x08 ? 2 : 1;
  const hasLength = (first & 0x04) !== 0;
  const headerLength = 1 + seqLength + (hasLength ? 2 : 0);
  if (data.length - offset < headerLength)
    throw new DtlsError("ERR_DTLS_TRUNCATED", "DTLS 1.3 record header truncated");
  let length: number;
  if (hasLength) {
    const o = offset + 1 + seqLength;
    length = (data[o]! << 8) | data[o + 1]!;
    if (offset + headerLength + length > data.length)
      throw new DtlsError("ERR_DTLS_TRUNCATED", `record of ${length} bytes overruns its datagram`);
  } else length = data.length - offset - headerLength;
  if (length > 16384 + 256) throw new DtlsError("ERR_DTLS_TOO_LARGE", `record of ${length} bytes`);
  const start = offset + headerLength;
  return {
    record: {
      first,
      epochBits: first & 3,
      header: data.subarray(offset, start),
      seqLength,
      body: data.subarray(start, start + length),
    },
    next: start + length,
  };
}

/** The full sequence number closest to `expected` whose low bits are `bits` (RFC 9147 §4.2.2). */
export function reconstructSequence(bits: number, bitsLength: 1 | 2, expected: number): number {
  const span = bitsLength === 2 ? 0x10000 : 0x100;
  const base = expected - (expected % span);
  // The candidates one span below and above, compared without an array: this runs once per record received.
  let best = base + bits;
  const below = best - span;
  if (below >= 0 && Math.abs(below - expected) < Math.abs(best - expected)) best = below;
  const above = base + span + bits;
  if (Math.abs(above - expected) < Math.abs(best - expected)) best = above;
  return best;
}
