import { createHmac, timingSafeEqual } from "node:crypto";
import { decodeAddress, type StunAddress } from "./attributes/address.js";
import { decodeErrorCode, type ErrorCodeValue } from "./attributes/error-code.js";
import {
  type AddressErrorCodeValue,
  decodePasswordAlgorithms,
  decodeTypeList,
  type EvenPortValue,
  type IcmpValue,
  type PasswordAlgorithmValue,
  readU32,
  readU64,
} from "./attributes/values.js";
import {
  AttributeType as A,
  attributeName,
  className,
  FINGERPRINT_XOR,
  HEADER_LENGTH,
  isKnownComprehensionRequired,
  MAGIC_COOKIE,
  methodName,
  type StunClass,
} from "./constants.js";
import type { StunKey } from "./credentials.js";
import { crc32Stun } from "./crypto/crc32.js";
import { hmacSha1Stun } from "./crypto/sha1.js";
import { StunError } from "./errors.js";

/** One attribute as it appears on the wire (value without padding). */
export interface StunAttribute {
  /** The attribute type (see AttributeType). */
  type: number;
  /** A view into the message bytes (not a copy). */
  value: Uint8Array;
}

/** What {@link StunMessage.verify} checks. */
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
 * Decodes one STUN message (RFC 8489, compatible with RFC 5389) from a
 * datagram. The message keeps a view of `bytes` (no copy): do not modify them
 * afterwards.
 *
 * Structure only is checked here: header, magic cookie, length, attribute
 * boundaries and padding, FINGERPRINT last, the fixed sizes of
 * MESSAGE-INTEGRITY(-SHA256) and FINGERPRINT. Attributes after
 * MESSAGE-INTEGRITY other than MESSAGE-INTEGRITY-SHA256 and FINGERPRINT are
 * ignored, as RFC 8489 §14.5 says. Validate with {@link StunMessage.verify}
 * (or the check methods), and look at
 * {@link StunMessage.unknownComprehensionRequired}.
 *
 * @throws StunError with a codec code (`ERR_TOO_SHORT`, `ERR_NOT_STUN`, …); nothing else.
 */
export function decodeMessage(bytes: Uint8Array): StunMessage {
  return new StunMessage(bytes);
}

// This file is long for a reason: one class with one small typed getter per
// attribute of RFC 8489, 8445, 8656 and 5780, in RFC order.

/**
 * A decoded STUN message: header fields, the attributes in wire order, typed
 * getters (undefined when the attribute is absent; the first occurrence counts,
 * RFC 8489 §14), and integrity/fingerprint checks.
 *
 * Attribute values are decoded only when asked for, so decoding costs one pass
 * over the attribute headers. Typed getters throw `StunError`
 * `ERR_BAD_ATTRIBUTE` when the attribute's value is malformed.
 */
export class StunMessage {
  /** The message bytes (exactly the message). */
  readonly raw: Uint8Array;
  /** The 14-bit message type (method and class). */
  readonly type: number;
  /** The method (12 bits), e.g. `StunMethod.Binding`. */
  readonly method: number;
  /** The class: request, indication, success or error response. */
  readonly messageClass: StunClass;
  /** The 96-bit transaction id (a view into {@link StunMessage.raw}). */
  readonly transactionId: Uint8Array;
  /** Number of attributes after MESSAGE-INTEGRITY that were ignored (RFC 8489 §14.5). */
  readonly ignoredAfterIntegrity: number = 0;
  /**
   * Comprehension-required attribute types (below 0x8000) that this package
   * does not know: a request with any must be answered with 420 and
   * UNKNOWN-ATTRIBUTES, a response with any must be discarded (RFC 8489 §6.3).
   */
  readonly unknownComprehensionRequired: readonly number[] = NONE;

  private readonly types: number[] = [];
  private readonly offsets: number[] = [];
  private readonly lengths: number[] = [];
  private integrityAt = -1;
  private integrity256At = -1;
  private fingerprintAt = -1;

  /** Decodes `bytes`; same as {@link decodeMessage}. */
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

  /** The attributes in wire order, values as views into {@link StunMessage.raw}. */
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

  private string(type: number): string | undefined {
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

  private fixed(type: number, size: number): number {
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

  private address(type: number, xor: boolean): StunAddress | undefined {
    const i = this.types.indexOf(type);
    if (i < 0) return undefined;
    return decodeAddress(this.raw, this.offsets[i]!, this.lengths[i]!, xor, attributeName(type));
  }

  private addresses(type: number, xor: boolean): StunAddress[] {
    const out: StunAddress[] = [];
    for (let i = 0; i < this.types.length; i++) {
      if (this.types[i] === type) {
        out.push(decodeAddress(this.raw, this.offsets[i]!, this.lengths[i]!, xor, attributeName(type)));
      }
    }
    return out;
  }

  // ---- RFC 8489 ----

  /** MAPPED-ADDRESS (RFC 8489 §14.1). */
  get mappedAddress(): StunAddress | undefined {
    return this.address(A.MAPPED_ADDRESS, false);
  }
  /** XOR-MAPPED-ADDRESS (RFC 8489 §14.2). */
  get xorMappedAddress(): StunAddress | undefined {
    return this.address(A.XOR_MAPPED_ADDRESS, true);
  }
  /** USERNAME (RFC 8489 §14.3), UTF-8. */
  get username(): string | undefined {
    return this.string(A.USERNAME);
  }
  /** USERHASH (RFC 8489 §14.4), 32 bytes. */
  get userhash(): Uint8Array | undefined {
    const o = this.fixed(A.USERHASH, 32);
    return o < 0 ? undefined : this.raw.subarray(o, o + 32);
  }
  /** MESSAGE-INTEGRITY value (20 bytes). */
  get messageIntegrity(): Uint8Array | undefined {
    return this.get(A.MESSAGE_INTEGRITY);
  }
  /** MESSAGE-INTEGRITY-SHA256 value (16–32 bytes). */
  get messageIntegritySha256(): Uint8Array | undefined {
    return this.get(A.MESSAGE_INTEGRITY_SHA256);
  }
  /** FINGERPRINT value (unsigned 32-bit). */
  get fingerprint(): number | undefined {
    const o = this.fixed(A.FINGERPRINT, 4);
    return o < 0 ? undefined : readU32(this.raw, o);
  }
  /** ERROR-CODE (RFC 8489 §14.8). */
  get errorCode(): ErrorCodeValue | undefined {
    const i = this.types.indexOf(A.ERROR_CODE);
    if (i < 0) return undefined;
    return decodeErrorCode(this.raw, this.offsets[i]!, this.lengths[i]!, "ERROR-CODE");
  }
  /** REALM (RFC 8489 §14.9). */
  get realm(): string | undefined {
    return this.string(A.REALM);
  }
  /** NONCE (RFC 8489 §14.10). */
  get nonce(): string | undefined {
    return this.string(A.NONCE);
  }
  /** PASSWORD-ALGORITHMS (RFC 8489 §14.11). */
  get passwordAlgorithms(): PasswordAlgorithmValue[] | undefined {
    const i = this.types.indexOf(A.PASSWORD_ALGORITHMS);
    if (i < 0) return undefined;
    return decodePasswordAlgorithms(this.raw, this.offsets[i]!, this.lengths[i]!, "PASSWORD-ALGORITHMS");
  }
  /** PASSWORD-ALGORITHM (RFC 8489 §14.12). */
  get passwordAlgorithm(): PasswordAlgorithmValue | undefined {
    const i = this.types.indexOf(A.PASSWORD_ALGORITHM);
    if (i < 0) return undefined;
    const list = decodePasswordAlgorithms(this.raw, this.offsets[i]!, this.lengths[i]!, "PASSWORD-ALGORITHM");
    if (list.length !== 1)
      throw new StunError("ERR_BAD_ATTRIBUTE", "PASSWORD-ALGORITHM must hold one algorithm");
    return list[0];
  }
  /** UNKNOWN-ATTRIBUTES (RFC 8489 §14.13): the attribute types listed. */
  get unknownAttributes(): number[] | undefined {
    const i = this.types.indexOf(A.UNKNOWN_ATTRIBUTES);
    if (i < 0) return undefined;
    return decodeTypeList(this.raw, this.offsets[i]!, this.lengths[i]!);
  }
  /** SOFTWARE (RFC 8489 §14.14). */
  get software(): string | undefined {
    return this.string(A.SOFTWARE);
  }
  /** ALTERNATE-SERVER (RFC 8489 §14.15). */
  get alternateServer(): StunAddress | undefined {
    return this.address(A.ALTERNATE_SERVER, false);
  }
  /** ALTERNATE-DOMAIN (RFC 8489 §14.16). */
  get alternateDomain(): string | undefined {
    return this.string(A.ALTERNATE_DOMAIN);
  }

  // ---- RFC 8445 (ICE) ----

  /** PRIORITY (RFC 8445 §16.1). */
  get priority(): number | undefined {
    const o = this.fixed(A.PRIORITY, 4);
    return o < 0 ? undefined : readU32(this.raw, o);
  }
  /** True when USE-CANDIDATE is present (RFC 8445 §16.1). */
  get useCandidate(): boolean {
    return this.types.includes(A.USE_CANDIDATE);
  }
  /** ICE-CONTROLLED tie-breaker (RFC 8445 §16.1). */
  get iceControlled(): bigint | undefined {
    const o = this.fixed(A.ICE_CONTROLLED, 8);
    return o < 0 ? undefined : readU64(this.raw, o);
  }
  /** ICE-CONTROLLING tie-breaker (RFC 8445 §16.1). */
  get iceControlling(): bigint | undefined {
    const o = this.fixed(A.ICE_CONTROLLING, 8);
    return o < 0 ? undefined : readU64(this.raw, o);
  }

  // ---- RFC 8656 (TURN) ----

  /** CHANNEL-NUMBER (RFC 8656 §14.1). */
  get channelNumber(): number | undefined {
    const o = this.fixed(A.CHANNEL_NUMBER, 4);
    return o < 0 ? undefined : (this.raw[o]! << 8) | this.raw[o + 1]!;
  }
  /** LIFETIME in seconds (RFC 8656 §14.2). */
  get lifetime(): number | undefined {
    const o = this.fixed(A.LIFETIME, 4);
    return o < 0 ? undefined : readU32(this.raw, o);
  }
  /** The first XOR-PEER-ADDRESS (RFC 8656 §14.3). */
  get xorPeerAddress(): StunAddress | undefined {
    return this.address(A.XOR_PEER_ADDRESS, true);
  }
  /** Every XOR-PEER-ADDRESS (CreatePermission may carry several). */
  get xorPeerAddresses(): StunAddress[] {
    return this.addresses(A.XOR_PEER_ADDRESS, true);
  }
  /** DATA (RFC 8656 §14.4), a view into the message. */
  get data(): Uint8Array | undefined {
    return this.get(A.DATA);
  }
  /** The first XOR-RELAYED-ADDRESS (RFC 8656 §14.5). */
  get xorRelayedAddress(): StunAddress | undefined {
    return this.address(A.XOR_RELAYED_ADDRESS, true);
  }
  /** Every XOR-RELAYED-ADDRESS (two for a dual-stack allocation). */
  get xorRelayedAddresses(): StunAddress[] {
    return this.addresses(A.XOR_RELAYED_ADDRESS, true);
  }
  /** REQUESTED-ADDRESS-FAMILY (RFC 8656 §14.6). */
  get requestedAddressFamily(): "IPv4" | "IPv6" | undefined {
    return this.family(A.REQUESTED_ADDRESS_FAMILY);
  }
  /** EVEN-PORT (RFC 8656 §14.7). */
  get evenPort(): EvenPortValue | undefined {
    const i = this.types.indexOf(A.EVEN_PORT);
    if (i < 0) return undefined;
    if (this.lengths[i]! < 1) throw new StunError("ERR_BAD_ATTRIBUTE", "EVEN-PORT is empty");
    return { reserveNext: (this.raw[this.offsets[i]!]! & 0x80) !== 0 };
  }
  /** REQUESTED-TRANSPORT protocol number (17 = UDP; RFC 8656 §14.8). */
  get requestedTransport(): number | undefined {
    const o = this.fixed(A.REQUESTED_TRANSPORT, 4);
    return o < 0 ? undefined : this.raw[o];
  }
  /** True when DONT-FRAGMENT is present (RFC 8656 §14.9). */
  get dontFragment(): boolean {
    return this.types.includes(A.DONT_FRAGMENT);
  }
  /** RESERVATION-TOKEN (8 bytes; RFC 8656 §14.10). */
  get reservationToken(): Uint8Array | undefined {
    const o = this.fixed(A.RESERVATION_TOKEN, 8);
    return o < 0 ? undefined : this.raw.subarray(o, o + 8);
  }
  /** ADDITIONAL-ADDRESS-FAMILY (RFC 8656 §14.11). */
  get additionalAddressFamily(): "IPv4" | "IPv6" | undefined {
    return this.family(A.ADDITIONAL_ADDRESS_FAMILY);
  }
  /** ADDRESS-ERROR-CODE (RFC 8656 §14.12). */
  get addressErrorCode(): AddressErrorCodeValue | undefined {
    const i = this.types.indexOf(A.ADDRESS_ERROR_CODE);
    if (i < 0) return undefined;
    const o = this.offsets[i]!;
    const value = decodeErrorCode(this.raw, o, this.lengths[i]!, "ADDRESS-ERROR-CODE");
    return { family: familyName(this.raw[o]!, "ADDRESS-ERROR-CODE"), ...value };
  }
  /** ICMP (RFC 8656 §14.13). */
  get icmp(): IcmpValue | undefined {
    const o = this.fixed(A.ICMP, 8);
    if (o < 0) return undefined;
    return { type: this.raw[o + 2]!, code: this.raw[o + 3]!, data: readU32(this.raw, o + 4) };
  }

  // ---- RFC 5780 ----

  /** RESPONSE-ORIGIN (RFC 5780 §7.3), sent by coturn. */
  get responseOrigin(): StunAddress | undefined {
    return this.address(A.RESPONSE_ORIGIN, false);
  }
  /** OTHER-ADDRESS (RFC 5780 §7.4). */
  get otherAddress(): StunAddress | undefined {
    return this.address(A.OTHER_ADDRESS, false);
  }

  private family(type: number): "IPv4" | "IPv6" | undefined {
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
    const expected = (crc32Stun(this.raw, o - 4, o + 4 - HEADER_LENGTH) ^ FINGERPRINT_XOR) >>> 0;
    return expected === readU32(this.raw, o);
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

/** HMAC-SHA256 of `data[0..end)` with the length field replaced (node:crypto). */
export function hmacSha256Stun(key: StunKey, data: Uint8Array, end: number, lengthField: number): Uint8Array {
  const header = new Uint8Array(4);
  header[0] = data[0]!;
  header[1] = data[1]!;
  header[2] = lengthField >>> 8;
  header[3] = lengthField & 0xff;
  return createHmac("sha256", key.bytes).update(header).update(data.subarray(4, end)).digest();
}

function familyName(value: number, name: string): "IPv4" | "IPv6" {
  if (value === 1) return "IPv4";
  if (value === 2) return "IPv6";
  throw new StunError("ERR_BAD_ATTRIBUTE", `${name}: unknown address family ${value}`);
}
