/**
 * The Data Channel Establishment Protocol (RFC 8832): DATA_CHANNEL_OPEN and
 * DATA_CHANNEL_ACK, carried as SCTP user messages with PPID 50, and the
 * payload protocol identifiers of RFC 8831 §8.
 */
import { PeerConnectionError } from "../errors.js";

/** SCTP payload protocol identifiers of WebRTC data channels (RFC 8831 §8, RFC 8832 §8.1). */
export const Ppid = {
  /** DCEP messages (RFC 8832). */
  DCEP: 50,
  /** A UTF-8 string. */
  STRING: 51,
  /** Deprecated partial string (still received from old peers as a string). */
  STRING_PARTIAL: 52,
  /** Binary data. */
  BINARY: 53,
  /** Deprecated partial binary (still received from old peers as binary). */
  BINARY_PARTIAL: 54,
  /** An empty string: sent as one zero byte, delivered as "" (SCTP cannot carry empty messages). */
  STRING_EMPTY: 56,
  /** Empty binary: sent as one zero byte, delivered as an empty buffer. */
  BINARY_EMPTY: 57,
} as const;

/** DCEP message types (RFC 8832 §8.2.1). */
export const DcepType = { ACK: 0x02, OPEN: 0x03 } as const;

/**
 * Channel types of DATA_CHANNEL_OPEN (RFC 8832 §5.1): the low bits give the
 * reliability, 0x80 marks unordered delivery.
 */
export const ChannelType = {
  RELIABLE: 0x00,
  PARTIAL_RELIABLE_REXMIT: 0x01,
  PARTIAL_RELIABLE_TIMED: 0x02,
  RELIABLE_UNORDERED: 0x80,
  PARTIAL_RELIABLE_REXMIT_UNORDERED: 0x81,
  PARTIAL_RELIABLE_TIMED_UNORDERED: 0x82,
} as const;

/** W3C RTCPriorityType (webrtc-priority): a data channel's share of the link when several have data waiting. */
export type PriorityType = "very-low" | "low" | "medium" | "high";

/** The four priorities, lowest first. */
export const PRIORITY_TYPES: readonly PriorityType[] = ["very-low", "low", "medium", "high"];

/**
 * Priority values of DATA_CHANNEL_OPEN for each W3C priority (RFC 8831 §6.4:
 * "below normal" 128, "normal" 256, "high" 512, "extra high" 1024; W3C
 * webrtc-priority maps very-low, low, medium, high to them). The value is
 * also the channel's weight in the SCTP stream scheduler.
 */
const PRIORITY_VALUES: Readonly<Record<PriorityType, number>> = {
  "very-low": 128,
  low: 256,
  medium: 512,
  high: 1024,
};

/** The wire value (and scheduler weight) of a W3C priority. */
export function priorityValue(priority: PriorityType): number {
  return PRIORITY_VALUES[priority];
}

/**
 * The W3C priority of a received wire value, as webrtc-priority's
 * RTCDataChannel steps say: 0–128 very-low, 129–256 low, 257–512 medium,
 * 513 and above high (values between levels round up; Chromium and pion
 * map them so too).
 */
export function priorityType(value: number): PriorityType {
  if (value <= 128) return "very-low";
  if (value <= 256) return "low";
  if (value <= 512) return "medium";
  return "high";
}

/** A channel's delivery parameters, as `createDataChannel` takes them. */
export interface ChannelReliability {
  ordered: boolean;
  /** Partial reliability by retransmissions (RFC 3758); exclusive with `maxPacketLifeTime`. */
  maxRetransmits: number | null;
  /** Partial reliability by lifetime in ms (RFC 3758); exclusive with `maxRetransmits`. */
  maxPacketLifeTime: number | null;
}

/** A DATA_CHANNEL_OPEN message (RFC 8832 §5.1). */
export interface DcepOpen extends ChannelReliability {
  type: "open";
  /** The 16-bit priority value (see {@link priorityType}). */
  priority: number;
  label: string;
  protocol: string;
}

/** A DATA_CHANNEL_ACK message (RFC 8832 §5.2). */
export interface DcepAck {
  type: "ack";
}

/** A parsed DCEP message. */
export type DcepMessage = DcepOpen | DcepAck;

/** Channel type byte for the reliability parameters. */
export function channelTypeOf(r: ChannelReliability): number {
  const unordered = r.ordered ? 0 : 0x80;
  if (r.maxRetransmits !== null) return ChannelType.PARTIAL_RELIABLE_REXMIT | unordered;
  if (r.maxPacketLifeTime !== null) return ChannelType.PARTIAL_RELIABLE_TIMED | unordered;
  return ChannelType.RELIABLE | unordered;
}

const HEADER = 12;
const encoder = new TextEncoder();
// fatal: a label that is not UTF-8 is a malformed message (RFC 8832 §5.1 says UTF-8).
const decoder = new TextDecoder("utf-8", { fatal: true });

function invalid(message: string): PeerConnectionError {
  return new PeerConnectionError("ERR_DCEP", message);
}

/**
 * Encodes DATA_CHANNEL_OPEN. The reliability parameter is the retransmission
 * count or the lifetime in ms (RFC 8832 §5.1), clamped to 32 bits.
 * @throws PeerConnectionError ERR_DCEP when label or protocol exceed 65,535 bytes of UTF-8.
 */
export function encodeDcepOpen(open: Omit<DcepOpen, "type">): Uint8Array {
  const label = encoder.encode(open.label);
  const protocol = encoder.encode(open.protocol);
  if (label.length > 0xffff || protocol.length > 0xffff) {
    throw invalid("DATA_CHANNEL_OPEN: label and protocol are at most 65,535 bytes (RFC 8832 §5.1)");
  }
  const out = new Uint8Array(HEADER + label.length + protocol.length);
  const view = new DataView(out.buffer);
  out[0] = DcepType.OPEN;
  out[1] = channelTypeOf(open);
  view.setUint16(2, open.priority & 0xffff);
  const parameter = open.maxRetransmits ?? open.maxPacketLifeTime ?? 0;
  view.setUint32(4, Math.min(Math.max(0, Math.trunc(parameter)), 0xffffffff));
  view.setUint16(8, label.length);
  view.setUint16(10, protocol.length);
  out.set(label, HEADER);
  out.set(protocol, HEADER + label.length);
  return out;
}

/** Encodes DATA_CHANNEL_ACK (one byte, RFC 8832 §5.2). */
export function encodeDcepAck(): Uint8Array {
  return Uint8Array.of(DcepType.ACK);
}

/**
 * Parses a DCEP message (the payload of a PPID 50 user message).
 * @throws PeerConnectionError ERR_DCEP for anything malformed: an unknown
 *   message or channel type, lengths that disagree with the size, non-UTF-8
 *   label or protocol.
 */
export function parseDcep(data: Uint8Array): DcepMessage {
  if (data.length === 0) throw invalid("empty DCEP message");
  const type = data[0];
  if (type === DcepType.ACK) {
    // Extra bytes after the type are tolerated, as other stacks do; the ACK has no fields.
    return { type: "ack" };
  }
  if (type !== DcepType.OPEN)
    throw invalid(`unknown DCEP message type 0x${type!.toString(16)} (RFC 8832 §8.2.1)`);
  if (data.length < HEADER) throw invalid(`DATA_CHANNEL_OPEN of ${data.length} bytes, shorter than 12`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const channelType = data[1]!;
  const priority = view.getUint16(2);
  const parameter = view.getUint32(4);
  const labelLength = view.getUint16(8);
  const protocolLength = view.getUint16(10);
  if (HEADER + labelLength + protocolLength !== data.length) {
    throw invalid(
      `DATA_CHANNEL_OPEN lengths (label ${labelLength}, protocol ${protocolLength}) disagree with its ${data.length} bytes`,
    );
  }
  const reliability = channelReliability(channelType, parameter);
  let label: string;
  let protocol: string;
  try {
    label = decoder.decode(data.subarray(HEADER, HEADER + labelLength));
    protocol = decoder.decode(data.subarray(HEADER + labelLength));
  } catch {
    throw invalid("DATA_CHANNEL_OPEN label or protocol is not UTF-8 (RFC 8832 §5.1)");
  }
  return { type: "open", ...reliability, priority, label, protocol };
}

function channelReliability(channelType: number, parameter: number): ChannelReliability {
  const ordered = (channelType & 0x80) === 0;
  switch (channelType & 0x7f) {
    case ChannelType.RELIABLE:
      return { ordered, maxRetransmits: null, maxPacketLifeTime: null };
    case ChannelType.PARTIAL_RELIABLE_REXMIT:
      return { ordered, maxRetransmits: parameter, maxPacketLifeTime: null };
    case ChannelType.PARTIAL_RELIABLE_TIMED:
      return { ordered, maxRetransmits: null, maxPacketLifeTime: parameter };
    default:
      throw invalid(`unknown DATA_CHANNEL_OPEN channel type 0x${channelType.toString(16)} (RFC 8832 §8.2.2)`);
  }
}
