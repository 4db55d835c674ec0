import type { StunAddress } from "./attributes/address.js";
import { decodeErrorCode, type ErrorCodeValue } from "./attributes/error-code.js";
import {
  type AddressErrorCodeValue,
  decodePasswordAlgorithms,
  decodeTypeList,
  type EvenPortValue,
  familyName,
  type IcmpValue,
  type PasswordAlgorithmValue,
  readU32,
  readU64,
} from "./attributes/values.js";
import { AttributeType as A } from "./constants.js";
import { StunError } from "./errors.js";
import { MessageView } from "./message-view.js";

export type { StunAttribute, VerifyOptions } from "./message-view.js";

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

/**
 * A decoded STUN message: header fields, the attributes in wire order, typed
 * getters (undefined when the attribute is absent; the first occurrence counts,
 * RFC 8489 §14), and integrity/fingerprint checks.
 *
 * Attribute values are decoded only when asked for, so decoding costs one pass
 * over the attribute headers. Typed getters throw `StunError`
 * `ERR_BAD_ATTRIBUTE` when the attribute's value is malformed.
 */
export class StunMessage extends MessageView {
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
}
