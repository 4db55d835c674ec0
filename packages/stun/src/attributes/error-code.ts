import { StunError } from "../errors.js";

/** An ERROR-CODE value (RFC 8489 §14.8): 300–699 and a reason phrase. */
export interface ErrorCodeValue {
  /** The error code, 300–699 (class × 100 + number). */
  code: number;
  /** The reason phrase (UTF-8). */
  reason: string;
}

/** Error codes of RFC 8489 §14.8 and RFC 8656 §18, with their usual reasons. */
export const ErrorCode = {
  TryAlternate: 300,
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  MobilityForbidden: 405,
  UnknownAttribute: 420,
  AllocationMismatch: 437,
  StaleNonce: 438,
  AddressFamilyNotSupported: 440,
  WrongCredentials: 441,
  UnsupportedTransportProtocol: 442,
  PeerAddressFamilyMismatch: 443,
  AllocationQuotaReached: 486,
  RoleConflict: 487,
  ServerError: 500,
  InsufficientCapacity: 508,
} as const;

const reasons: Record<number, string> = {
  300: "Try Alternate",
  400: "Bad Request",
  401: "Unauthenticated",
  403: "Forbidden",
  405: "Mobility Forbidden",
  420: "Unknown Attribute",
  437: "Allocation Mismatch",
  438: "Stale Nonce",
  440: "Address Family not Supported",
  441: "Wrong Credentials",
  442: "Unsupported Transport Protocol",
  443: "Peer Address Family Mismatch",
  486: "Allocation Quota Reached",
  487: "Role Conflict",
  500: "Server Error",
  508: "Insufficient Capacity",
};

/** The RFC's reason phrase for an error code ("" when none is defined). */
export function defaultReason(code: number): string {
  return reasons[code] ?? "";
}

const utf8 = new TextDecoder("utf-8");

/**
 * Decodes the class/number/reason triple that ERROR-CODE and
 * ADDRESS-ERROR-CODE share; `offset` points at the 4-byte prefix.
 */
export function decodeErrorCode(
  bytes: Uint8Array,
  offset: number,
  length: number,
  name: string,
): ErrorCodeValue {
  if (length < 4) throw new StunError("ERR_BAD_ATTRIBUTE", `${name}: ${length} bytes is too short`);
  const cls = bytes[offset + 2]! & 0x07;
  const number = bytes[offset + 3]!;
  if (cls < 3 || cls > 6 || number > 99) {
    throw new StunError(
      "ERR_BAD_ATTRIBUTE",
      `${name}: class ${cls} number ${number} out of range (RFC 8489 §14.8)`,
    );
  }
  return { code: cls * 100 + number, reason: utf8.decode(bytes.subarray(offset + 4, offset + length)) };
}

/** Checks an error code for encoding. */
export function checkErrorCode(code: number): void {
  if (!Number.isInteger(code) || code < 300 || code > 699) {
    throw new StunError("ERR_INVALID_ARGUMENT", `error code ${code} is not in 300–699 (RFC 8489 §14.8)`);
  }
}
