import { RtpError } from "../errors.js";

/**
 * Reads bits MSB-first from an RBSP (the NAL unit payload with emulation prevention bytes removed), with the
 * exp-Golomb codes of ITU-T H.264 §9.1. Reading past the end throws `ERR_BAD_BITSTREAM`.
 */
export class BitReader {
  private bit = 0;

  constructor(private readonly bytes: Uint8Array) {}

  /** Bits left to read. */
  get remaining(): number {
    return this.bytes.length * 8 - this.bit;
  }

  /** Reads one bit. */
  u1(): number {
    if (this.bit >= this.bytes.length * 8) throw new RtpError("ERR_BAD_BITSTREAM", "bitstream ends early");
    const value = (this.bytes[this.bit >> 3]! >> (7 - (this.bit & 7))) & 1;
    this.bit++;
    return value;
  }

  /** Reads `n` (≤ 32) bits as an unsigned number. */
  u(n: number): number {
    let value = 0;
    for (let i = 0; i < n; i++) value = value * 2 + this.u1();
    return value;
  }

  /** ue(v): unsigned exp-Golomb (§9.1); at most 31 leading zeros. */
  ue(): number {
    let zeros = 0;
    while (this.u1() === 0) {
      if (++zeros > 31)
        throw new RtpError("ERR_BAD_BITSTREAM", "exp-Golomb code longer than 32 bits (H.264 §9.1)");
    }
    return 2 ** zeros - 1 + this.u(zeros);
  }

  /** se(v): signed exp-Golomb (§9.1.1). */
  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
}

/** Removes emulation prevention bytes (00 00 03 → 00 00, ITU-T H.264 §7.4.1) from a NAL unit's payload. */
export function unescapeRbsp(bytes: Uint8Array): Uint8Array {
  let zeros = 0;
  let escaped = false;
  for (let i = 0; i < bytes.length; i++) {
    if (zeros >= 2 && bytes[i] === 3) {
      escaped = true;
      break;
    }
    zeros = bytes[i] === 0 ? zeros + 1 : 0;
  }
  if (!escaped) return bytes;
  const out = new Uint8Array(bytes.length);
  let n = 0;
  zeros = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    out[n++] = b;
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, n);
}
