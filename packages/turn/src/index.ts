/**
 * @purertc/turn: a TURN client (RFC 8656) over UDP.
 * @packageDocumentation
 */

export { FEATURE_PASSWORD_ALGORITHMS, LongTermAuth, NONCE_COOKIE, securityFeatures } from "./auth.js";
export {
  CHANNEL_DATA_HEADER,
  type ChannelData,
  decodeChannelData,
  encodeChannelData,
  isChannelData,
  isValidChannel,
  MAX_CHANNEL,
  MIN_CHANNEL,
  splitChannelDataStream,
} from "./channel-data.js";
export {
  CHANNEL_LIFETIME_MS,
  CHANNEL_REFRESH_MS,
  type Channel,
  type ChannelState,
  ChannelTable,
  peerKey,
} from "./channels.js";
export {
  type PeerAddress,
  type TurnAllocationInfo,
  TurnClient,
  type TurnClientEvents,
  type TurnClientOptions,
  type TurnClientState,
  type TurnClientStats,
  type TurnTiming,
} from "./client.js";
export { TurnError, type TurnErrorCode } from "./errors.js";
export {
  PERMISSION_LIFETIME_MS,
  PERMISSION_QUEUE_LIMIT,
  PERMISSION_REFRESH_MS,
  type Permission,
  type PermissionState,
  PermissionTable,
} from "./permissions.js";
export {
  type RelayCandidate,
  type RelayGatherContext,
  type RelayGatherError,
  relayFoundation,
  relayPriority,
  TurnRelayBase,
  TurnRelayGatherer,
  type TurnServerConfig,
  turnUrls,
} from "./relay-gatherer.js";
export { parseHostPort } from "./server-address.js";
