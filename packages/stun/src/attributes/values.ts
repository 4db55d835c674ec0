import { StunError } from "../errors.js";
import type { ErrorCodeValue } from "./error-code.js";

/** One entry of PASSWORD-ALGORITHMS, or the PASSWORD-ALGORITHM value (RFC 8489 §14.11–12). */
export interface PasswordAlgorithmValue {
  /** 1 = MD5, 2 = SHA-256 (see PasswordAlgorithm). */
  algorithm: number;
  /** Algorithm parameters (none are defined for MD5 and SHA-256). */
  parameters: Uint8Array;
}

/** An EVEN-PORT value (RFC 8656 §14.6). */
export interface EvenPortValue {
  /** R bit: reserve the next higher port too. */
  reserveNext: boolean;
}

/** An ADDRESS-ERROR-CODE value (RFC 8656 §14.12). */
export interface AddressErrorCodeValue extends ErrorCodeValue {
  /** The address family the error is about. */
  family: "IPv4" | "IPv6";
}

/** An ICMP value (RFC 8656 §14.13). */
export interface IcmpValue {
  /** ICMP (or ICMPv6) type. */
  type: number;
  /** ICMP (or ICMPv6) code. */
  code: number;
  /** Error data: the MTU for "fragmentation needed", otherwise 0. */
  data: number;
}

/** Decodes a list of 16-bit attribute types (UNKNOWN-ATTRIBUTES, RFC 8489 §14.9). */
export function decodeTypeList(bytes: Uint8Array, offset: number, length: number): number[] {
  if (length % 2 !== 0) throw new StunError("ERR_BAD_ATTRIBUTE", `UNKNOWN-ATTRIBUTES: odd length ${length}`);
  const out: number[] = [];
  for (let i = 0; i < length; i += 2) out.push((bytes[offset + i]! << 8) | bytes[offset + i + 1]!);
  return out;
}

/** Decodes PASSWORD-ALGORITHMS (or, with `single`, PASSWORD-ALGORITHM). */
export function decodePasswordAlgorithms(
  bytes: Uint8Array,
  offset: number,
  length: number,
  name: string,
): PasswordAlgorithmValue[] {
  const out: PasswordAlgorithmValue[] = [];
  let p = offset;
  const end = offset + length;
  while (p < end) {
    if (p + 4 > end) throw new StunError("ERR_BAD_ATTRIBUTE", `${name}: truncated entry`);
    const algorithm = (bytes[p]! << 8) | bytes[p + 1]!;
    const paramLength = (bytes[p + 2]! << 8) | bytes[p + 3]!;
    const padded = (paramLength + 3) & ~3;
    if (p + 4 + paramLength > end) throw new StunError("ERR_BAD_ATTRIBUTE", `${name}: parameters overrun`);
    out.push({ algorithm, parameters: Uint8Array.prototype.slice.call(bytes, p + 4, p + 4 + paramLength) });
    p += 4 + Math.min(padded, end - p - 4);
  }
  return out;
}

/** Reads a 32-bit big-endian unsigned integer. */
export function readU32(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>>
    0
  );
}

/** Reads a 64-bit big-endian unsigned integer as a bigint. */
export function readU64(bytes: Uint8Array, offset: number): bigint {
  return (BigInt(readU32(bytes, offset)) << 32n) | BigInt(readU32(bytes, offset + 4));
}

/** The family byte of REQUESTED-/ADDITIONAL-ADDRESS-FAMILY and ADDRESS-ERROR-CODE (RFC 8656 §14.6). */
export function familyName(value: number, name: string): "IPv4" | "IPv6" {
  if (value === 1) return "IPv4";
  if (value === 2) return "IPv6";
  throw new StunError("ERR_BAD_ATTRIBUTE", `${name}: unknown address family ${value}`);
}
