/**
 * @purertc/turn: a TURN client (RFC 8656) over UDP.
 * @packageDocumentation
 */
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
export { TurnError, type TurnErrorCode } from "./errors.js";
