import { encodeAddress, type StunAddress } from "./attributes/address.js";
import { checkErrorCode } from "./attributes/error-code.js";
import type { PasswordAlgorithmValue } from "./attributes/values.js";
import { AddressFamily, HEADER_LENGTH } from "./constants.js";
import { StunError } from "./errors.js";

const MAX_LENGTH = 0xffff;

/**
 * The byte-writing half of {@link StunMessageBuilder}: a growing buffer that
 * attributes are written into in place (header, value, padding), with one
 * writer per value shape (32/64-bit integer, text, address, family, error
 * triple). The builder adds the message header, one method per attribute and
 * the integrity/fingerprint finish.
 */
export class AttributeWriter {
  protected buf = new Uint8Array(256);
  protected pos = HEADER_LENGTH;
  protected done = false;
  /** Byte written into attribute padding (0 per RFC 8489; RFC 5769 vectors use 0x20). */
  paddingByte = 0;

  private reserve(valueLength: number): number {
    if (this.done)
      throw new StunError("ERR_INVALID_ARGUMENT", "this builder has already encoded its message");
    const need = this.pos + 4 + ((valueLength + 3) & ~3);
    if (valueLength > MAX_LENGTH || need - HEADER_LENGTH > MAX_LENGTH) {
      throw new StunError("ERR_INVALID_ARGUMENT", `message would exceed ${MAX_LENGTH} bytes`);
    }
    if (need + 64 > this.buf.length) {
      const bigger = new Uint8Array(Math.max(need + 64, this.buf.length * 2));
      bigger.set(this.buf.subarray(0, this.pos));
      this.buf = bigger;
    }
    return need;
  }

  /** Writes the attribute header; the caller writes the value at pos + 4. */
  protected header(type: number, length: number): number {
    const end = this.reserve(length);
    const buf = this.buf;
    const p = this.pos;
    buf[p] = type >>> 8;
    buf[p + 1] = type & 0xff;
    buf[p + 2] = length >>> 8;
    buf[p + 3] = length & 0xff;
    const pad = this.paddingByte;
    for (let i = p + 4 + length; i < end; i++) buf[i] = pad;
    this.pos = end;
    return p + 4;
  }

  /** Appends an attribute with these raw value bytes. */
  attribute(type: number, value: Uint8Array): this {
    if (!Number.isInteger(type) || type < 0 || type > 0xffff) {
      throw new StunError("ERR_INVALID_ARGUMENT", `attribute type ${type} is not a 16-bit number`);
    }
    const o = this.header(type, value.length);
    this.buf.set(value, o);
    return this;
  }

  protected u32(type: number, value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new StunError("ERR_INVALID_ARGUMENT", `value ${value} is not a 32-bit unsigned integer`);
    }
    const o = this.header(type, 4);
    const buf = this.buf;
    buf[o] = value >>> 24;
    buf[o + 1] = (value >>> 16) & 0xff;
    buf[o + 2] = (value >>> 8) & 0xff;
    buf[o + 3] = value & 0xff;
    return this;
  }

  protected u64(type: number, value: bigint): this {
    if (value < 0n || value > 0xffffffffffffffffn) {
      throw new StunError("ERR_INVALID_ARGUMENT", `value ${value} is not a 64-bit unsigned integer`);
    }
    const o = this.header(type, 8);
    const hi = Number(value >> 32n);
    const lo = Number(value & 0xffffffffn);
    const buf = this.buf;
    buf[o] = hi >>> 24;
    buf[o + 1] = (hi >>> 16) & 0xff;
    buf[o + 2] = (hi >>> 8) & 0xff;
    buf[o + 3] = hi & 0xff;
    buf[o + 4] = lo >>> 24;
    buf[o + 5] = (lo >>> 16) & 0xff;
    buf[o + 6] = (lo >>> 8) & 0xff;
    buf[o + 7] = lo & 0xff;
    return this;
  }

  /** A string attribute: ASCII written directly, anything else as UTF-8. */
  protected text(type: number, value: string, maxBytes: number, name: string): this {
    let ascii = true;
    for (let i = 0; i < value.length; i++) {
      if (value.charCodeAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    }
    const bytes = ascii ? undefined : Buffer.from(value, "utf8");
    const length = bytes ? bytes.length : value.length;
    if (length > maxBytes) {
      throw new StunError(
        "ERR_INVALID_ARGUMENT",
        `${name} of ${length} bytes exceeds ${maxBytes} (RFC 8489 §14)`,
      );
    }
    const o = this.header(type, length);
    if (bytes) this.buf.set(bytes, o);
    else for (let i = 0; i < length; i++) this.buf[o + i] = value.charCodeAt(i);
    return this;
  }

  protected addr(type: number, value: StunAddress, xor: boolean): this {
    // Reserve for IPv6, then shrink to the real size.
    const start = this.pos;
    const o = this.header(type, 20);
    const length = encodeAddress(this.buf, o, value, xor);
    this.buf[start + 2] = 0;
    this.buf[start + 3] = length;
    this.pos = o + length;
    return this;
  }

  protected family(type: number, family: "IPv4" | "IPv6"): this {
    const o = this.header(type, 4);
    this.buf[o] = AddressFamily[family];
    this.buf[o + 1] = 0;
    this.buf[o + 2] = 0;
    this.buf[o + 3] = 0;
    return this;
  }

  protected errorTriple(type: number, first: number, code: number, reason: string): this {
    checkErrorCode(code);
    const text = Buffer.from(reason, "utf8");
    if (text.length > 763) throw new StunError("ERR_INVALID_ARGUMENT", "reason phrase exceeds 763 bytes");
    const o = this.header(type, 4 + text.length);
    this.buf[o] = first;
    this.buf[o + 1] = 0;
    this.buf[o + 2] = Math.floor(code / 100);
    this.buf[o + 3] = code % 100;
    this.buf.set(text, o + 4);
    return this;
  }
}

/** Packs PASSWORD-ALGORITHMS entries (RFC 8489 §14.11), each padded to 4 bytes. */
export function packAlgorithms(values: PasswordAlgorithmValue[]): Uint8Array {
  let size = 0;
  for (const v of values) size += 4 + ((v.parameters.length + 3) & ~3);
  const out = new Uint8Array(size);
  let p = 0;
  for (const v of values) {
    out[p] = (v.algorithm >>> 8) & 0xff;
    out[p + 1] = v.algorithm & 0xff;
    out[p + 2] = (v.parameters.length >>> 8) & 0xff;
    out[p + 3] = v.parameters.length & 0xff;
    out.set(v.parameters, p + 4);
    p += 4 + ((v.parameters.length + 3) & ~3);
  }
  return out;
}
