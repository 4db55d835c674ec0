import {
  AttributeType,
  decodeMessage,
  isStunPacket,
  newTransactionId,
  StunClass,
  type StunKey,
  type StunMessage,
  StunMessageBuilder,
  StunMethod,
} from "@purertc/stun";
import { addressFamily } from "./candidate.js";

/**
 * The ICE side of STUN: building connectivity checks and their answers with
 * @purertc/stun's codec (RFC 8445 §7). No codec here, only what goes in.
 */

/** Decodes a datagram that looks like STUN; undefined when it is not STUN or malformed. */
export function decodeStun(data: Uint8Array): StunMessage | undefined {
  if (!isStunPacket(data)) return undefined;
  try {
    return decodeMessage(data);
  } catch {
    return undefined;
  }
}

/** What a connectivity check carries (RFC 8445 §7.2.2). */
export interface CheckRequest {
  /** `remoteUfrag:localUfrag`. */
  username: string;
  /** Priority a peer-reflexive candidate learned from this check would have. */
  priority: number;
  controlling: boolean;
  tieBreaker: bigint;
  useCandidate: boolean;
  /** The remote password's key. */
  key: StunKey;
}

/** Builds a Binding request for a check; returns its transaction id and bytes. */
export function buildCheck(check: CheckRequest): { transactionId: Uint8Array; bytes: Uint8Array } {
  const transactionId = newTransactionId();
  const b = new StunMessageBuilder(StunMethod.Binding, StunClass.Request, transactionId)
    .username(check.username)
    .priority(check.priority);
  if (check.controlling) b.iceControlling(check.tieBreaker);
  else b.iceControlled(check.tieBreaker);
  if (check.useCandidate) b.useCandidate();
  return { transactionId, bytes: b.encode({ integrity: check.key, fingerprint: true }) };
}

/** A plain Binding request to a STUN server (server-reflexive gathering). */
export function buildServerBinding(): { transactionId: Uint8Array; bytes: Uint8Array } {
  const transactionId = newTransactionId();
  const bytes = new StunMessageBuilder(StunMethod.Binding, StunClass.Request, transactionId).encode({
    fingerprint: true,
  });
  return { transactionId, bytes };
}

/**
 * The success response to a check: XOR-MAPPED-ADDRESS of the source,
 * MESSAGE-INTEGRITY with our password, FINGERPRINT (RFC 8445 §7.3.1.3).
 */
export function buildCheckSuccess(
  request: StunMessage,
  address: string,
  port: number,
  key: StunKey,
): Uint8Array {
  return new StunMessageBuilder(StunMethod.Binding, StunClass.SuccessResponse, request.transactionId)
    .xorMappedAddress({ family: addressFamily(address) === 6 ? "IPv6" : "IPv4", address, port })
    .encode({ integrity: key, fingerprint: true });
}

/**
 * An error response. 400 and 401 go without MESSAGE-INTEGRITY (the request
 * could not be authenticated, RFC 8489 §9.1.3); 487 and 420 carry it.
 */
export function buildCheckError(
  request: StunMessage,
  code: 400 | 401 | 420 | 487,
  reason: string,
  key?: StunKey,
  unknown?: readonly number[],
): Uint8Array {
  const b = new StunMessageBuilder(request.method, StunClass.ErrorResponse, request.transactionId).errorCode(
    code,
    reason,
  );
  if (unknown && unknown.length > 0) b.unknownAttributes(unknown);
  return b.encode(key ? { integrity: key, fingerprint: true } : { fingerprint: true });
}

export { AttributeType, StunClass, StunMethod };
