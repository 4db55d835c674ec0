import { AttributeWriter, packAlgorithms } from "./attribute-writer.js";
import type { StunAddress } from "./attributes/address.js";
import type { EvenPortValue, IcmpValue, PasswordAlgorithmValue } from "./attributes/values.js";
import {
  AttributeType as A,
  AddressFamily,
  HEADER_LENGTH,
  messageType,
  type StunClass,
} from "./constants.js";
import type { StunKey } from "./credentials.js";
import { hmacSha1Stun } from "./crypto/sha1.js";
import { StunError } from "./errors.js";
import { fingerprintValue, hmacSha256Stun } from "./integrity.js";
import { writeTransactionId } from "./transaction-id.js";

/** What {@link StunMessageBuilder.encode} appends at the end. */
export interface EncodeOptions {
  /** Append MESSAGE-INTEGRITY (HMAC-SHA1) computed with this key. */
  integrity?: StunKey;
  /** Append MESSAGE-INTEGRITY-SHA256 computed with this key (after MESSAGE-INTEGRITY, RFC 8489 §14.6). */
  integritySha256?: StunKey;
  /** Append FINGERPRINT last. */
  fingerprint?: boolean;
}

/**
 * Builds one STUN message, writing straight into a byte buffer (no
 * per-attribute objects). Add attributes in the order they should appear,
 * then call {@link StunMessageBuilder.encode}, which appends
 * MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT in that order
 * with the length field set as RFC 8489 §14.5–14.7 require.
 *
 * ```ts
 * const bytes = new StunMessageBuilder(StunMethod.Binding, StunClass.Request)
 *   .username("remote:local")
 *   .priority(0x6e7f1eff)
 *   .iceControlling(tieBreaker)
 *   .useCandidate()
 *   .encode({ integrity: StunKey.shortTerm(remotePassword), fingerprint: true });
 * ```
 *
 * A builder makes one message: after `encode` it cannot be used again.
 */
export class StunMessageBuilder extends AttributeWriter {
  /**
   * @param method - e.g. `StunMethod.Binding`
   * @param cls - e.g. `StunClass.Request`
   * @param transactionId - 12 bytes; a fresh random one when omitted
   */
  constructor(method: number, cls: StunClass, transactionId?: Uint8Array) {
    if (!Number.isInteger(method) || method < 0 || method > 0xfff) {
      throw new StunError("ERR_INVALID_ARGUMENT", `method ${method} is not a 12-bit number`);
    }
    super();
    const buf = this.buf;
    const type = messageType(method, cls);
    buf[0] = type >>> 8;
    buf[1] = type & 0xff;
    buf[4] = 0x21;
    buf[5] = 0x12;
    buf[6] = 0xa4;
    buf[7] = 0x42;
    if (transactionId) {
      if (transactionId.length !== 12) {
        throw new StunError(
          "ERR_INVALID_ARGUMENT",
          `transaction id of ${transactionId.length} bytes, expected 12`,
        );
      }
      buf.set(transactionId, 8);
    } else writeTransactionId(buf, 8);
  }

  /** The transaction id (a view of the header being built). */
  get transactionId(): Uint8Array {
    return this.buf.subarray(8, 20);
  }

  // ---- RFC 8489 ----

  /** MAPPED-ADDRESS (RFC 8489 §14.1). */
  mappedAddress(value: StunAddress): this {
    return this.addr(A.MAPPED_ADDRESS, value, false);
  }
  /** XOR-MAPPED-ADDRESS (RFC 8489 §14.2). */
  xorMappedAddress(value: StunAddress): this {
    return this.addr(A.XOR_MAPPED_ADDRESS, value, true);
  }
  /** USERNAME (RFC 8489 §14.3; at most 508 bytes). */
  username(value: string): this {
    return this.text(A.USERNAME, value, 508, "USERNAME");
  }
  /** USERHASH (32 bytes; RFC 8489 §14.4). See `userhash()`. */
  userhash(value: Uint8Array): this {
    if (value.length !== 32) throw new StunError("ERR_INVALID_ARGUMENT", "USERHASH must be 32 bytes");
    return this.attribute(A.USERHASH, value);
  }
  /** ERROR-CODE (RFC 8489 §14.8); reason defaults to "". */
  errorCode(code: number, reason = ""): this {
    return this.errorTriple(A.ERROR_CODE, 0, code, reason);
  }
  /** REALM (RFC 8489 §14.9). */
  realm(value: string): this {
    return this.text(A.REALM, value, 763, "REALM");
  }
  /** NONCE (RFC 8489 §14.10). */
  nonce(value: string): this {
    return this.text(A.NONCE, value, 763, "NONCE");
  }
  /** PASSWORD-ALGORITHMS (RFC 8489 §14.11). */
  passwordAlgorithms(values: PasswordAlgorithmValue[]): this {
    return this.attribute(A.PASSWORD_ALGORITHMS, packAlgorithms(values));
  }
  /** PASSWORD-ALGORITHM (RFC 8489 §14.12). */
  passwordAlgorithm(value: PasswordAlgorithmValue): this {
    return this.attribute(A.PASSWORD_ALGORITHM, packAlgorithms([value]));
  }
  /** UNKNOWN-ATTRIBUTES (RFC 8489 §14.13). */
  unknownAttributes(types: readonly number[]): this {
    const o = this.header(A.UNKNOWN_ATTRIBUTES, types.length * 2);
    types.forEach((t, i) => {
      this.buf[o + i * 2] = (t >>> 8) & 0xff;
      this.buf[o + i * 2 + 1] = t & 0xff;
    });
    return this;
  }
  /** SOFTWARE (RFC 8489 §14.14). */
  software(value: string): this {
    return this.text(A.SOFTWARE, value, 763, "SOFTWARE");
  }
  /** ALTERNATE-SERVER (RFC 8489 §14.15). */
  alternateServer(value: StunAddress): this {
    return this.addr(A.ALTERNATE_SERVER, value, false);
  }
  /** ALTERNATE-DOMAIN (RFC 8489 §14.16). */
  alternateDomain(value: string): this {
    return this.text(A.ALTERNATE_DOMAIN, value, 255, "ALTERNATE-DOMAIN");
  }

  // ---- RFC 8445 (ICE) ----

  /** PRIORITY (RFC 8445 §16.1). */
  priority(value: number): this {
    return this.u32(A.PRIORITY, value);
  }
  /** USE-CANDIDATE (RFC 8445 §16.1). */
  useCandidate(): this {
    this.header(A.USE_CANDIDATE, 0);
    return this;
  }
  /** ICE-CONTROLLED with its tie-breaker (RFC 8445 §16.1). */
  iceControlled(tieBreaker: bigint): this {
    return this.u64(A.ICE_CONTROLLED, tieBreaker);
  }
  /** ICE-CONTROLLING with its tie-breaker (RFC 8445 §16.1). */
  iceControlling(tieBreaker: bigint): this {
    return this.u64(A.ICE_CONTROLLING, tieBreaker);
  }

  // ---- RFC 8656 (TURN) ----

  /** CHANNEL-NUMBER (0x4000–0x4FFF; RFC 8656 §14.1). */
  channelNumber(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
      throw new StunError("ERR_INVALID_ARGUMENT", `channel number ${value} is not 16-bit`);
    }
    return this.u32(A.CHANNEL_NUMBER, value * 0x10000);
  }
  /** LIFETIME in seconds (RFC 8656 §14.2). */
  lifetime(seconds: number): this {
    return this.u32(A.LIFETIME, seconds);
  }
  /** XOR-PEER-ADDRESS (RFC 8656 §14.3); may be added more than once. */
  xorPeerAddress(value: StunAddress): this {
    return this.addr(A.XOR_PEER_ADDRESS, value, true);
  }
  /** DATA (RFC 8656 §14.4). */
  data(value: Uint8Array): this {
    return this.attribute(A.DATA, value);
  }
  /** XOR-RELAYED-ADDRESS (RFC 8656 §14.5). */
  xorRelayedAddress(value: StunAddress): this {
    return this.addr(A.XOR_RELAYED_ADDRESS, value, true);
  }
  /** REQUESTED-ADDRESS-FAMILY (RFC 8656 §14.6). */
  requestedAddressFamily(family: "IPv4" | "IPv6"): this {
    return this.family(A.REQUESTED_ADDRESS_FAMILY, family);
  }
  /** EVEN-PORT (RFC 8656 §14.7). */
  evenPort(value: EvenPortValue): this {
    const o = this.header(A.EVEN_PORT, 1);
    this.buf[o] = value.reserveNext ? 0x80 : 0;
    return this;
  }
  /** REQUESTED-TRANSPORT (17 = UDP; RFC 8656 §14.8). */
  requestedTransport(protocol: number): this {
    if (!Number.isInteger(protocol) || protocol < 0 || protocol > 255) {
      throw new StunError("ERR_INVALID_ARGUMENT", `protocol ${protocol} is not 8-bit`);
    }
    return this.u32(A.REQUESTED_TRANSPORT, protocol * 0x1000000);
  }
  /** DONT-FRAGMENT (RFC 8656 §14.9). */
  dontFragment(): this {
    this.header(A.DONT_FRAGMENT, 0);
    return this;
  }
  /** RESERVATION-TOKEN (8 bytes; RFC 8656 §14.10). */
  reservationToken(token: Uint8Array): this {
    if (token.length !== 8) throw new StunError("ERR_INVALID_ARGUMENT", "RESERVATION-TOKEN must be 8 bytes");
    return this.attribute(A.RESERVATION_TOKEN, token);
  }
  /** ADDITIONAL-ADDRESS-FAMILY (RFC 8656 §14.11). */
  additionalAddressFamily(family: "IPv4" | "IPv6"): this {
    return this.family(A.ADDITIONAL_ADDRESS_FAMILY, family);
  }
  /** ADDRESS-ERROR-CODE (RFC 8656 §14.12). */
  addressErrorCode(family: "IPv4" | "IPv6", code: number, reason = ""): this {
    return this.errorTriple(A.ADDRESS_ERROR_CODE, AddressFamily[family], code, reason);
  }
  /** ICMP (RFC 8656 §14.13). */
  icmp(value: IcmpValue): this {
    const o = this.header(A.ICMP, 8);
    const b = this.buf;
    b[o] = 0;
    b[o + 1] = 0;
    b[o + 2] = value.type & 0xff;
    b[o + 3] = value.code & 0xff;
    const d = value.data >>> 0;
    b[o + 4] = d >>> 24;
    b[o + 5] = (d >>> 16) & 0xff;
    b[o + 6] = (d >>> 8) & 0xff;
    b[o + 7] = d & 0xff;
    return this;
  }

  // ---- RFC 5780 ----

  /** RESPONSE-ORIGIN (RFC 5780 §7.3). */
  responseOrigin(value: StunAddress): this {
    return this.addr(A.RESPONSE_ORIGIN, value, false);
  }
  /** OTHER-ADDRESS (RFC 5780 §7.4). */
  otherAddress(value: StunAddress): this {
    return this.addr(A.OTHER_ADDRESS, value, false);
  }

  /**
   * Finishes the message: appends MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256
   * and FINGERPRINT as asked, sets the length, and returns the bytes (a view
   * of this builder's buffer, owned by the caller from now on).
   */
  encode(options: EncodeOptions = {}): Uint8Array {
    if (options.integrity) {
      const o = this.header(A.MESSAGE_INTEGRITY, 20);
      hmacSha1Stun(options.integrity.sha1Key(), this.buf, o - 4, o + 20 - HEADER_LENGTH, this.buf, o);
    }
    if (options.integritySha256) {
      const o = this.header(A.MESSAGE_INTEGRITY_SHA256, 32);
      this.buf.set(hmacSha256Stun(options.integritySha256, this.buf, o - 4, o + 32 - HEADER_LENGTH), o);
    }
    if (options.fingerprint) {
      const o = this.header(A.FINGERPRINT, 4);
      const crc = fingerprintValue(this.buf, o);
      this.buf[o] = crc >>> 24;
      this.buf[o + 1] = (crc >>> 16) & 0xff;
      this.buf[o + 2] = (crc >>> 8) & 0xff;
      this.buf[o + 3] = crc & 0xff;
    }
    const length = this.pos - HEADER_LENGTH;
    this.buf[2] = length >>> 8;
    this.buf[3] = length & 0xff;
    this.done = true;
    return this.buf.subarray(0, this.pos);
  }
}
