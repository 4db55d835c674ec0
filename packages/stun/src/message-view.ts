import { timingSafeEqual } from "node:crypto";
import { decodeAddress, type StunAddress } from "./attributes/address.js";
import { familyName, readU32 } from "./attributes/values.js";
import {
  AttributeType as A,
  attributeName,
  className,
  HEADER_LENGTH,
  isKnownComprehensionRequired,
  MAGIC_COOKIE,
  methodName,
  type StunClass,
} from "./constants.js";
import type { StunKey } from "./credentials.js";
import { hmacSha1Stun } from "./crypto/sha1.js";
import { StunError } from "./errors.js";
import { fingerprintValue, hmacSha256Stun } from "./integrity.js";
// For the {@link} targets in the documentation (the message, the decoder).

/** One attribute as it appears on the wire (value without padding). */
export interface StunAttribute {
  /** The attribute type (see AttributeType). */
  type: number;
  /** A view into the message bytes (not a copy). */
  value: Uint8Array;
}

/** What `StunMessage.verify` (message.ts) checks. */
export interface VerifyOptions {
  /**
   * Require MESSAGE-INTEGRITY-SHA256 or MESSAGE-INTEGRITY valid under this
   * key (SHA-256 is checked when present, as RFC 8489 §9.1.4 prefers it).
   */
  key?: StunKey;
  /** Require a FINGERPRINT. A FINGERPRINT that is present is always checked. */
  requireFingerprint?: boolean;
}

const NONE: readonly number[] = Object.freeze([]);
const utf8 = new TextDecoder("utf-8");
const mac = new Uint8Array(20);

/**
 * What decoding a STUN message yields before any attribute value is read:
 * the header fields, an index of the attributes (type, offset, length in wire
 * order), raw access to them, and the integrity and fingerprint checks.
 * `StunMessage` (message.ts) adds the typed getters on top; this part is on its own
 * so the structural pass and its validation read as one piece.
 */
export class MessageView {
  /** The message bytes (exactly the message). */
  readonly raw: Uint8Array;
  /** The 14-bit message type (method and class). */
  readonly type: number;
  /** The method (12 bits), e.g. `StunMethod.Binding`. */
  readonly method: number;
  /** The class: request, indication, success or error response. */
  readonly messageClass: StunClass;
  /** The 96-bit transaction id (a view into `StunMessage.raw`). */
  readonly transactionId: Uint8Array;
  /** Number of attributes after MESSAGE-INTEGRITY that were ignored (RFC 8489 §14.5). */
  readonly ignoredAfterIntegrity: number = 0;
  /**
   * Comprehension-required attribute types (below 0x8000) that this package
   * does not know: a request with any must be answered with 420 and
   * UNKNOWN-ATTRIBUTES, a response with any must be discarded (RFC 8489 §6.3).
   */
  readonly unknownComprehensionRequired: readonly number[] = NONE;

  // The attribute index, in wire order (ignored attributes excluded).
  protected readonly types: number[] = [];
  protected readonly offsets: number[] = [];
  protected readonly lengths: number[] = [];
  private integrityAt = -1;
  private integrity256At = -1;
  private fingerprintAt = -1;

  /** Decodes `bytes`; same as `decodeMessage`. */
  constructor(bytes: Uint8Array) {
    const n = bytes.length;
    if (n < HEADER_LENGTH) throw new StunError("ERR_TOO_SHORT", `${n} bytes is shorter than a STUN header`);
    const b0 = bytes[0]!;
    if (b0 & 0xc0) throw new StunError("ERR_NOT_STUN", "the first two bits are not zero (RFC 8489 §5)");
    const cookie = ((bytes[4]! << 24) | (bytes[5]! << 16) | (bytes[6]! << 8) | bytes[7]!) >>> 0;
    if (cookie !== MAGIC_COOKIE) {
      throw new StunError("ERR_BAD_MAGIC_COOKIE", "no magic cookie 0x2112A442 (RFC 8489 §5)");
    }
    const length = (bytes[2]! << 8) | bytes[3]!;
    if (length & 3) throw new StunError("ERR_BAD_LENGTH", `message length ${length} is not a multiple of 4`);
    if (HEADER_LENGTH + length !== n) {
      throw new StunError(
        n < HEADER_LENGTH + length ? "ERR_TOO_SHORT" : "ERR_BAD_LENGTH",
        `message length ${length} does not match ${n - HEADER_LENGTH} bytes after the header`,
      );
    }
    this.raw = bytes;
    const type = (b0 << 8) | bytes[1]!;
    this.type = type;
    this.method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
    this.messageClass = (((type >> 4) & 1) | ((type >> 7) & 2)) as StunClass;
    this.transactionId = bytes.subarray(8, 20);

    const types = this.types;
    const offsets = this.offsets;
    const lengths = this.lengths;
    let ignored = 0;
    let unknown: number[] | undefined;
    let p = HEADER_LENGTH;
    while (p < n) {
      if (p + 4 > n)
        throw new StunError("ERR_ATTRIBUTE_OVERRUN", `attribute header at ${p} overruns the message`);
      const at = (bytes[p]! << 8) | bytes[p + 1]!;
      const len = (bytes[p + 2]! << 8) | bytes[p + 3]!;
      const value = p + 4;
      const next = value + ((len + 3) & ~3);
      if (next > n) {
        throw new StunError(
          "ERR_ATTRIBUTE_OVERRUN",
          `${attributeName(at)} of ${len} bytes at ${p} overruns the message (RFC 8489 §14)`,
        );
      }
      if (this.fingerprintAt >= 0) {
        throw new StunError(
          "ERR_FINGERPRINT_NOT_LAST",
          `${attributeName(at)} follows FINGERPRINT (RFC 8489 §14.7)`,
        );
      }
      p = next;
      if (at === A.FINGERPRINT) {
        if (len !== 4) throw new StunError("ERR_BAD_ATTRIBUTE", `FINGERPRINT of ${len} bytes`);
        this.fingerprintAt = types.length;
      } else if (this.integrity256At >= 0 || (this.integrityAt >= 0 && at !== A.MESSAGE_INTEGRITY_SHA256)) {
        ignored++;
        continue;
      } else if (at === A.MESSAGE_INTEGRITY) {
        if (len !== 20) throw new StunError("ERR_BAD_ATTRIBUTE", `MESSAGE-INTEGRITY of ${len} bytes`);
        this.integrityAt = types.length;
      } else if (at === A.MESSAGE_INTEGRITY_SHA256) {
        if (len < 16 || len > 32 || len & 3) {
          throw new StunError(
            "ERR_BAD_ATTRIBUTE",
            `MESSAGE-INTEGRITY-SHA256 of ${len} bytes (RFC 8489 §14.6)`,
          );
        }
        this.integrity256At = types.length;
      } else if (at < 0x8000 && !isKnownComprehensionRequired(at)) {
        if (unknown === undefined) unknown = [];
        if (!unknown.includes(at)) unknown.push(at);
      }
      types.push(at);
      offsets.push(value);
      lengths.push(len);
    }
    if (ignored) this.ignoredAfterIntegrity = ignored;
    if (unknown) this.unknownComprehensionRequired = unknown;
  }

  /** The transaction id as 24 lowercase hex digits. */
  get transactionIdHex(): string {
    return Buffer.from(this.transactionId.buffer, this.transactionId.byteOffset, 12).toString("hex");
  }

  /** Number of attributes kept (ignored ones excluded). */
  get attributeCount(): number {
    return this.types.length;
  }

  /** The attributes in wire order, values as views into `StunMessage.raw`. */
  get attributes(): StunAttribute[] {
    const out: StunAttribute[] = [];
    for (let i = 0; i < this.types.length; i++) {
      const o = this.offsets[i]!;
      out.push({ type: this.types[i]!, value: this.raw.subarray(o, o + this.lengths[i]!) });
    }
    return out;
  }

  /** True when the message has an attribute of `type`. */
  has(type: number): boolean {
    return this.types.includes(type);
  }

  /** The value of the first attribute of `type` (a view), or undefined. */
  get(type: number): Uint8Array | undefined {
    const i = this.types.indexOf(type);
    if (i < 0) return undefined;
    const o = this.offsets[i]!;
    return this.raw.subarray(o, o + this.lengths[i]!);
  }

  /** The values of every attribute of `type`, in order. */
  getAll(type: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = 0; i < this.types.length; i++) {
      if (this.types[i] === type)
        out.push(this.raw.subarray(this.offsets[i]!, this.offsets[i]! + this.lengths[i]!));
    }
    return out;
  }

  // ---- Value access for the typed getters of StunMessage ----

  protected string(type: number): string | undefined {
    const i = this.types.indexOf(type);
    if (i < 0) return undefined;
    const o = this.offsets[i]!;
    const len = this.lengths[i]!;
    // ASCII fast path: ICE usernames are ASCII.
    if (len <= 64) {
      let s = "";
      for (let k = o; k < o + len; k++) {
        const c = this.raw[k]!;
        if (c >= 0x80) return utf8.decode(this.raw.subarray(o, o + len));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return utf8.decode(this.raw.subarray(o, o + len));
  }

  protected fixed(type: number, size: number): number {
    const i = this.types.indexOf(type);
    if (i < 0) return -1;
    if (this.lengths[i] !== size) {
      throw new StunError(
        "ERR_BAD_ATTRIBUTE",
        `${attributeName(type)}: ${this.lengths[i]} bytes, expected ${size}`,
      );
    }
    return this.offsets[i]!;
  }

  protected address(type: number, xor: boolean): StunAddress | undefined {
    const i = this.types.indexOf(type);
    if (i < 0) return undefined;
    return decodeAddress(this.raw, this.offsets[i]!, this.lengths[i]!, xor, attributeName(type));
  }

  protected addresses(type: number, xor: boolean): StunAddress[] {
    const out: StunAddress[] = [];
    for (let i = 0; i < this.types.length; i++) {
      if (this.types[i] === type) {
        out.push(decodeAddress(this.raw, this.offsets[i]!, this.lengths[i]!, xor, attributeName(type)));
      }
    }
    return out;
  }

  protected family(type: number): "IPv4" | "IPv6" | undefined {
    const o = this.fixed(type, 4);
    return o < 0 ? undefined : familyName(this.raw[o]!, attributeName(type));
  }

  // ---- Integrity and fingerprint ----

  /** True when the message carries MESSAGE-INTEGRITY. */
  get hasIntegrity(): boolean {
    return this.integrityAt >= 0;
  }
  /** True when the message carries MESSAGE-INTEGRITY-SHA256. */
  get hasIntegritySha256(): boolean {
    return this.integrity256At >= 0;
  }
  /** True when the message carries FINGERPRINT. */
  get hasFingerprint(): boolean {
    return this.fingerprintAt >= 0;
  }

  /** True when FINGERPRINT is present and matches (RFC 8489 §14.7). */
  checkFingerprint(): boolean {
    if (this.fingerprintAt < 0) return false;
    const o = this.offsets[this.fingerprintAt]!;
    return fingerprintValue(this.raw, o) === readU32(this.raw, o);
  }

  /**
   * True when MESSAGE-INTEGRITY is present and matches `key` (HMAC-SHA1,
   * RFC 8489 §14.5); compared in constant time.
   */
  checkIntegrity(key: StunKey): boolean {
    if (this.integrityAt < 0) return false;
    const o = this.offsets[this.integrityAt]!;
    // The length field counts up to the end of MESSAGE-INTEGRITY itself.
    hmacSha1Stun(key.sha1Key(), this.raw, o - 4, o + 20 - HEADER_LENGTH, mac, 0);
    return timingSafeEqual(mac, this.raw.subarray(o, o + 20));
  }

  /**
   * True when MESSAGE-INTEGRITY-SHA256 is present and matches `key`
   * (HMAC-SHA256, possibly truncated to 16–32 bytes; RFC 8489 §14.6).
   */
  checkIntegritySha256(key: StunKey): boolean {
    if (this.integrity256At < 0) return false;
    const o = this.offsets[this.integrity256At]!;
    const len = this.lengths[this.integrity256At]!;
    const digest = hmacSha256Stun(key, this.raw, o - 4, o + len - HEADER_LENGTH);
    return timingSafeEqual(digest.subarray(0, len), this.raw.subarray(o, o + len));
  }

  /**
   * Checks integrity and fingerprint as `options` ask.
   * @throws StunError `ERR_INTEGRITY` or `ERR_FINGERPRINT` when a check fails.
   */
  verify(options: VerifyOptions = {}): this {
    if (this.fingerprintAt >= 0) {
      if (!this.checkFingerprint()) throw new StunError("ERR_FINGERPRINT", "FINGERPRINT does not match");
    } else if (options.requireFingerprint) {
      throw new StunError("ERR_FINGERPRINT", "FINGERPRINT is missing");
    }
    if (options.key) {
      if (this.integrity256At >= 0) {
        if (!this.checkIntegritySha256(options.key)) {
          throw new StunError("ERR_INTEGRITY", "MESSAGE-INTEGRITY-SHA256 does not match (RFC 8489 §9.1.4)");
        }
      } else if (this.integrityAt >= 0) {
        if (!this.checkIntegrity(options.key)) {
          throw new StunError("ERR_INTEGRITY", "MESSAGE-INTEGRITY does not match (RFC 8489 §9.1.4)");
        }
      } else throw new StunError("ERR_INTEGRITY", "MESSAGE-INTEGRITY is missing");
    }
    return this;
  }

  /** A readable one-line summary, e.g. `Binding SuccessResponse 0a1b… [XOR-MAPPED-ADDRESS, …]`. */
  toString(): string {
    const names = this.types.map(attributeName).join(", ");
    return `${methodName(this.method)} ${className(this.messageClass)} ${this.transactionIdHex} [${names}]`;
  }
}
