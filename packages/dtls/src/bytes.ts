import { DtlsError } from "./errors.js";

/**
 * A bounds-checked reader over wire bytes. Every read past the end throws
 * `DtlsError` `ERR_DTLS_TRUNCATED`, so parsers never read garbage and never
 * throw anything else.
 */
export class Reader {
  private offset = 0;
  constructor(
    private readonly data: Uint8Array,
    private readonly what = "message",
  ) {}

  /** Bytes left. */
  get remaining(): number {
    return this.data.length - this.offset;
  }

  /** Current position. */
  get position(): number {
    return this.offset;
  }

  private need(n: number): void {
    if (this.offset + n > this.data.length)
      throw new DtlsError(
        "ERR_DTLS_TRUNCATED",
        `${this.what}: need ${n} bytes at ${this.offset}, have ${this.remaining}`,
      );
  }

  u8(): number {
    this.need(1);
    return this.data[this.offset++]!;
  }

  u16(): number {
    this.need(2);
    const d = this.data;
    const o = this.offset;
    this.offset += 2;
    return (d[o]! << 8) | d[o + 1]!;
  }

  u24(): number {
    this.need(3);
    const d = this.data;
    const o = this.offset;
    this.offset += 3;
    return (d[o]! << 16) | (d[o + 1]! << 8) | d[o + 2]!;
  }

  u48(): number {
    this.need(6);
    const d = this.data;
    const o = this.offset;
    this.offset += 6;
    return (
      d[o]! * 2 ** 40 +
      d[o + 1]! * 2 ** 32 +
      ((d[o + 2]! << 24) >>> 0) +
      (d[o + 3]! << 16) +
      (d[o + 4]! << 8) +
      d[o + 5]!
    );
  }

  /** `n` bytes as a view (no copy). */
  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.data.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** A vector with a 1-byte length prefix, within [min, max] bytes. */
  vec8(min = 0, max = 0xff): Uint8Array {
    return this.checked(this.bytes(this.u8()), min, max);
  }

  /** A vector with a 2-byte length prefix. */
  vec16(min = 0, max = 0xffff): Uint8Array {
    return this.checked(this.bytes(this.u16()), min, max);
  }

  /** A vector with a 3-byte length prefix. */
  vec24(min = 0, max = 0xffffff): Uint8Array {
    return this.checked(this.bytes(this.u24()), min, max);
  }

  /** The rest of the data. */
  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }

  /** Throws `ERR_DTLS_MALFORMED` if bytes are left over. */
  end(): void {
    if (this.remaining !== 0)
      throw new DtlsError("ERR_DTLS_MALFORMED", `${this.what}: ${this.remaining} trailing bytes`);
  }

  private checked(v: Uint8Array, min: number, max: number): Uint8Array {
    if (v.length < min || v.length > max)
      throw new DtlsError(
        "ERR_DTLS_MALFORMED",
        `${this.what}: vector of ${v.length} bytes outside [${min}, ${max}]`,
      );
    return v;
  }
}

/** Parses a vector of u16 values (cipher suites, groups, schemes). */
export function u16List(data: Uint8Array, what: string): number[] {
  if (data.length % 2 !== 0) throw new DtlsError("ERR_DTLS_MALFORMED", `${what}: odd length ${data.length}`);
  const out: number[] = [];
  for (let i = 0; i < data.length; i += 2) out.push((data[i]! << 8) | data[i + 1]!);
  return out;
}

/** A growable byte writer for encoding. */
export class Writer {
  private buf: Uint8Array;
  private len = 0;
  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
  }

  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  u8(v: number): this {
    this.grow(1);
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.grow(2);
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  u24(v: number): this {
    this.grow(3);
    this.buf[this.len++] = (v >>> 16) & 0xff;
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  u48(v: number): this {
    this.u16(Math.floor(v / 2 ** 32));
    this.grow(4);
    const lo = v >>> 0;
    this.buf[this.len++] = lo >>> 24;
    this.buf[this.len++] = (lo >>> 16) & 0xff;
    this.buf[this.len++] = (lo >>> 8) & 0xff;
    this.buf[this.len++] = lo & 0xff;
    return this;
  }

  bytes(v: Uint8Array): this {
    this.grow(v.length);
    this.buf.set(v, this.len);
    this.len += v.length;
    return this;
  }

  vec8(v: Uint8Array): this {
    if (v.length > 0xff)
      throw new DtlsError("ERR_DTLS_TOO_LARGE", `vector of ${v.length} bytes in a 1-byte length`);
    return this.u8(v.length).bytes(v);
  }

  vec16(v: Uint8Array): this {
    if (v.length > 0xffff)
      throw new DtlsError("ERR_DTLS_TOO_LARGE", `vector of ${v.length} bytes in a 2-byte length`);
    return this.u16(v.length).bytes(v);
  }

  vec24(v: Uint8Array): this {
    if (v.length > 0xffffff)
      throw new DtlsError("ERR_DTLS_TOO_LARGE", `vector of ${v.length} bytes in a 3-byte length`);
    return this.u24(v.length).bytes(v);
  }

  /** A u16 list with a 2-byte length prefix. */
  u16List16(values: readonly number[]): this {
    this.u16(values.length * 2);
    for (const v of values) this.u16(v);
    return this;
  }

  /** The bytes written so far (a copy-free view). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Constant-time equality of two byte arrays. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Lowercase hex of bytes. */
export function toHex(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("hex");
}
