/**
 * A data channel's options and where they come from or go: createDataChannel's
 * checks (W3C webrtc §6.1), the fields of a DATA_CHANNEL_OPEN both ways
 * (RFC 8832 §5.1), and the SCTP send options of a channel's messages.
 * sctp-transport.ts holds the channels and the association.
 */
import type { SctpSendOptions } from "@purertc/sctp";
import type { DataChannel, DataChannelInit } from "./data-channel.js";
import { type DcepOpen, PRIORITY_TYPES, type PriorityType, priorityType, priorityValue } from "./dcep.js";

/** Stream ids are 0..65534 (65535 is reserved, RFC 8832 §6). */
export const MAX_STREAM_ID = 65534;

/** What the DataChannel constructor takes. */
export type ChannelOptions = ConstructorParameters<typeof DataChannel>[1];

const encoder = new TextEncoder();

/** createDataChannel's checks (W3C webrtc §6.1), with browsers' clamping of the reliability values. */
export function channelOptions(label: string, init: DataChannelInit): ChannelOptions {
  const protocol = String(init.protocol ?? "");
  if (encoder.encode(label).length > 65535) throw new TypeError("label longer than 65,535 bytes");
  if (encoder.encode(protocol).length > 65535) throw new TypeError("protocol longer than 65,535 bytes");
  if (init.maxPacketLifeTime != null && init.maxRetransmits != null) {
    throw new TypeError("maxPacketLifeTime and maxRetransmits are exclusive");
  }
  const negotiated = init.negotiated === true;
  if (negotiated && init.id == null) throw new TypeError("negotiated: true needs an id");
  const id = negotiated ? Number(init.id) : null;
  if (id !== null && !(Number.isInteger(id) && id >= 0 && id <= MAX_STREAM_ID)) {
    throw new TypeError(`id must be an integer 0..${MAX_STREAM_ID}`);
  }
  const priority: PriorityType = init.priority ?? "low";
  // WebIDL: a string outside the enum is a TypeError.
  if (!PRIORITY_TYPES.includes(priority))
    throw new TypeError(`priority must be one of ${PRIORITY_TYPES.join(", ")}, not ${String(priority)}`);
  const clamp = (v: number | undefined) =>
    v == null ? null : Math.min(Math.max(0, Math.trunc(Number(v))), 65535);
  return {
    ordered: init.ordered !== false,
    maxPacketLifeTime: clamp(init.maxPacketLifeTime),
    maxRetransmits: clamp(init.maxRetransmits),
    protocol,
    negotiated,
    priority,
    id,
  };
}

/** The DATA_CHANNEL_OPEN that announces our channel. */
export function dcepOpenOf(channel: DataChannel): Omit<DcepOpen, "type"> {
  return {
    ordered: channel.ordered,
    maxRetransmits: channel.maxRetransmits,
    maxPacketLifeTime: channel.maxPacketLifeTime,
    priority: priorityValue(channel.priority),
    label: channel.label,
    protocol: channel.protocol,
  };
}

/**
 * The SCTP stream weight of a channel we open or negotiated (RFC 8831 §6.4):
 * its priority's DCEP value.
 */
export function streamWeightOf(channel: DataChannel): number {
  return priorityValue(channel.priority);
}

/**
 * The SCTP stream weight for a peer's DATA_CHANNEL_OPEN: its priority value
 * as sent (as libwebrtc does; the enum only rounds it for display), at least
 * 1 so a channel announced with 0 still progresses.
 */
export function streamWeightOfOpen(message: DcepOpen): number {
  return Math.max(1, message.priority);
}

/** The options of the channel a peer's DATA_CHANNEL_OPEN on `streamId` opens. */
export function optionsFromDcepOpen(message: DcepOpen, streamId: number): ChannelOptions {
  return {
    ordered: message.ordered,
    maxRetransmits: message.maxRetransmits,
    maxPacketLifeTime: message.maxPacketLifeTime,
    protocol: message.protocol,
    negotiated: false,
    priority: priorityType(message.priority),
    id: streamId,
  };
}

/** The SCTP send options of a channel's messages (its reliability). */
export function sctpSendOptions(channel: DataChannel): SctpSendOptions {
  const options: SctpSendOptions = {};
  if (!channel.ordered) options.unordered = true;
  if (channel.maxRetransmits !== null) options.maxRetransmits = channel.maxRetransmits;
  else if (channel.maxPacketLifeTime !== null) options.maxPacketLifeTime = channel.maxPacketLifeTime;
  return options;
}
