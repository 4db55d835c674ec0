/**
 * @purertc/stun: STUN (RFC 8489, compatible with RFC 5389) with the ICE
 * (RFC 8445) and TURN (RFC 8656) attributes: a fast codec, short- and
 * long-term credentials, client transactions with retransmission, and a
 * Binding server.
 * @packageDocumentation
 */
export { ipFamily, type StunAddress } from "./attributes/address.js";
export { defaultReason, ErrorCode, type ErrorCodeValue } from "./attributes/error-code.js";
export type {
  AddressErrorCodeValue,
  EvenPortValue,
  IcmpValue,
  PasswordAlgorithmValue,
} from "./attributes/values.js";
export { type EncodeOptions, StunMessageBuilder } from "./builder.js";
export { classifyPacket, isStunPacket, type PacketKind } from "./classify.js";
export {
  type BindingOptions,
  type BindingResult,
  StunClient,
  type StunClientOptions,
  type StunClientStats,
} from "./client.js";
export {
  AddressFamily,
  AttributeType,
  attributeName,
  className,
  classOf,
  FINGERPRINT_XOR,
  HEADER_LENGTH,
  isComprehensionRequired,
  isKnownComprehensionRequired,
  MAGIC_COOKIE,
  messageType,
  methodName,
  methodOf,
  PasswordAlgorithm,
  StunClass,
  StunMethod,
} from "./constants.js";
export {
  type LongTermAlgorithm,
  prepareString,
  type StringPrep,
  StunKey,
  userhash,
} from "./credentials.js";
export { StunError, type StunErrorCode } from "./errors.js";
export { decodeMessage, type StunAttribute, StunMessage, type VerifyOptions } from "./message.js";
export {
  StunServer,
  type StunServerCredentials,
  type StunServerOptions,
  type StunServerRequestEvent,
  type StunServerStats,
} from "./server.js";
export {
  type RequestOptions,
  type RetransmissionOptions,
  StunTransactionManager,
  type TransactionManagerOptions,
  type TransactionResult,
  type TransactionStats,
  type TransportAddress,
} from "./transaction.js";
export { newTransactionId } from "./transaction-id.js";
