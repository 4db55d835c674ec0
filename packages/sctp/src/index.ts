/**
 * @purertc/sctp: SCTP (RFC 9260) as WebRTC data channels use it, over any
 * packet transport (a DTLS connection in a PeerConnection), with partial
 * reliability (RFC 3758), stream reset (RFC 6525) and message interleaving
 * (I-DATA, RFC 8260).
 */

export { SctpAssociation } from "./association.js";
export type {
  SctpAssociationEventMap,
  SctpAssociationLike,
  SctpAssociationOptions,
  SctpAssociationState,
  SctpPacketTransport,
  SctpSendOptions,
  SctpStats,
} from "./association-types.js";
export {
  SctpBufferedAmountLowEvent,
  SctpCloseEvent,
  SctpMessageEvent,
  SctpStreamResetEvent,
} from "./association-types.js";
export { SctpError, type SctpErrorCode } from "./errors.js";
export { DEFAULT_STREAM_WEIGHT } from "./stream-scheduler.js";
