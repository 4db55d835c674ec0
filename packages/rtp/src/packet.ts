import { readU32, writeU32 } from "./bytes.js";
import { RtpError } from "./errors.js";

/**
 * The header extension block of an RTP packet (RFC 3550 §5.3.1): a 16-bit profile-defined value and the
 * extension data (a multiple of 4 bytes). RFC 8285 elements are read from it by
 * {@link parseHeaderExtensions} / {@link findHeaderExtension}.
 */
export interface RtpHeaderExtension {
  /** 0xBEDE for the one-byte form, 0x100X for the two-byte form (RFC 8285), anything else otherwise. */
  readonly profile: number;
  /** The extension data, without the 4-byte profile/length word; a multiple of 4 bytes long. */
  readonly data: Uint8Array;
}

/**
 * An RTP packet (RFC 3550 §5.1). Parsed packets are views: `payload` and `extension.data` are subarrays of the
 * bytes given to {@link parseRtpPacket}, nothing is copied.
 */
export interface RtpPacket {
  /** The marker bit: for video, the last packet of a frame (RFC 3551 §4.1). */
  readonly marker: boolean;
  /** 0–127. */
  readonly payloadType: number;
  /** 0–65535. */
  readonly sequenceNumber: number;
  /** 32-bit unsigned RTP timestamp. */
  readonly timestamp: number;
  /** 32-bit unsigned synchronization source. */
  readonly ssrc: number;
  /** Contributing sources, at most 15. */
  readonly csrcs: readonly number[];
  /** The header extension block, when the X bit is set. */
  readonly extension: RtpHeaderExtension | undefined;
  /** The payload, without padding. */
  readonly payload: Uint8Array;
  /** Bytes of padding after the payload (the last one holds the count); 0 when the P bit is clear. */
  readonly paddingLength: number;
}

/** What {@link serializeRtpPacket} takes: an {@link RtpPacket} whose optional parts may be left out. */
export interface RtpPacketInit {
  marker?: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrcs?: readonly number[];
  extension?: RtpHeaderExtension | undefined;
  payload: Uint8Array;
  /** 0 (no padding) or 1–255; the padding bytes are zero but the last, which holds the count. */
  paddingLength?: number;
}

const NO_CSRCS: readonly number[] = Object.freeze([]);

/** Size of the fixed RTP header. */
export const RTP_HEADER_SIZE = 12;

/**
 * Parses an RTP packet. Zero-copy: the payload and extension data are views of `bytes`.
 * @throws RtpError `ERR_TOO_SHORT`, `ERR_BAD_VERSION`, `ERR_BAD_PADDING`
 */
export function parseRtpPacket(bytes: Uint8Array): RtpPacket {
  const length = bytes.length;
  if (length < RTP_HEADER_SIZE)
    throw new RtpError("ERR_TOO_SHORT", `RTP packet of ${length} bytes (RFC 3550 §5.1)`);
  const b0 = bytes[0]!;
  const b1 = bytes[1]!;
  if (b0 >> 6 !== 2) throw new RtpError("ERR_BAD_VERSION", `RTP version ${b0 >> 6}, not 2 (RFC 3550 §5.1)`);
  const cc = b0 & 0x0f;
  let offset = RTP_HEADER_SIZE + cc * 4;
  if (offset > length) throw new RtpError("ERR_TOO_SHORT", `${cc} CSRCs overrun the packet (RFC 3550 §5.1)`);
  let csrcs = NO_CSRCS;
  if (cc > 0) {
    const list: number[] = new Array(cc);
    for (let i = 0; i < cc; i++) list[i] = readU32(bytes, RTP_HEADER_SIZE + i * 4);
    csrcs = list;
  }
  let extension: RtpHeaderExtension | undefined;
  if (b0 & 0x10) {
    if (offset + 4 > length)
      throw new RtpError("ERR_TOO_SHORT", "header extension overruns the packet (RFC 3550 §5.3.1)");
    const profile = (bytes[offset]! << 8) | bytes[offset + 1]!;
    const words = (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
    const end = offset + 4 + words * 4;
    if (end > length)
      throw new RtpError("ERR_TOO_SHORT", "header extension overruns the packet (RFC 3550 §5.3.1)");
    extension = { profile, data: bytes.subarray(offset + 4, end) };
    offset = end;
  }
  let paddingLength = 0;
  if (b0 & 0x20) {
    paddingLength = bytes[length - 1]!;
    if (paddingLength === 0 || offset + paddingLength > length)
      throw new RtpError("ERR_BAD_PADDING", `padding count ${paddingLength} is invalid (RFC 3550 §5.1)`);
  }
  return {
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequenceNumber: (bytes[2]! << 8) | bytes[3]!,
    timestamp: readU32(bytes, 4),
    ssrc: readU32(bytes, 8),
    csrcs,
    extension,
    payload: bytes.subarray(offset, length - paddingLength),
    paddingLength,
  };
}

/** The serialized size of `packet`, in bytes. */
export function rtpPacketLength(packet: RtpPacketInit): number {
  const ext = packet.extension ? 4 + packet.extension.data.length : 0;
  return (
    RTP_HEADER_SIZE +
    (packet.csrcs?.length ?? 0) * 4 +
    ext +
    packet.payload.length +
    (packet.paddingLength ?? 0)
  );
}

/**
 * Serializes an RTP packet, into `into` (at offset 0) when given, else into a new buffer.
 * @returns the bytes written (a view of `into`, or the new buffer)
 * @throws RtpError `ERR_INVALID_ARGUMENT` for out-of-range fields or a too small `into`
 */
export function serializeRtpPacket(packet: RtpPacketInit, into?: Uint8Array): Uint8Array {
  const csrcs = packet.csrcs ?? NO_CSRCS;
  const padding = packet.paddingLength ?? 0;
  const ext = packet.extension;
  if (csrcs.length > 15) throw new RtpError("ERR_INVALID_ARGUMENT", "more than 15 CSRCs");
  if (!Number.isInteger(padding) || padding < 0 || padding > 255)
    throw new RtpError("ERR_INVALID_ARGUMENT", `padding length ${padding}`);
  checkField(packet.payloadType, 0x7f, "payload type");
  checkField(packet.sequenceNumber, 0xffff, "sequence number");
  checkField(packet.timestamp, 0xffffffff, "timestamp");
  checkField(packet.ssrc, 0xffffffff, "SSRC");
  if (ext) {
    checkField(ext.profile, 0xffff, "extension profile");
    if (ext.data.length % 4 !== 0 || ext.data.length > 0xffff * 4)
      throw new RtpError(
        "ERR_INVALID_ARGUMENT",
        "extension data must be a multiple of 4 bytes (RFC 3550 §5.3.1)",
      );
  }
  const length = rtpPacketLength(packet);
  let out: Uint8Array;
  if (into) {
    if (into.length < length)
      throw new RtpError("ERR_INVALID_ARGUMENT", `buffer of ${into.length} < ${length}`);
    out = into.subarray(0, length);
  } else out = Buffer.allocUnsafe(length); // pooled below 4 KiB; every byte is written below
  out[0] = 0x80 | (padding > 0 ? 0x20 : 0) | (ext ? 0x10 : 0) | csrcs.length;
  out[1] = (packet.marker ? 0x80 : 0) | packet.payloadType;
  out[2] = packet.sequenceNumber >>> 8;
  out[3] = packet.sequenceNumber & 0xff;
  writeU32(out, 4, packet.timestamp);
  writeU32(out, 8, packet.ssrc);
  let offset = RTP_HEADER_SIZE;
  for (const csrc of csrcs) {
    checkField(csrc, 0xffffffff, "CSRC");
    writeU32(out, offset, csrc);
    offset += 4;
  }
  if (ext) {
    const words = ext.data.length / 4;
    out[offset] = ext.profile >>> 8;
    out[offset + 1] = ext.profile & 0xff;
    out[offset + 2] = words >>> 8;
    out[offset + 3] = words & 0xff;
    out.set(ext.data, offset + 4);
    offset += 4 + ext.data.length;
  }
  out.set(packet.payload, offset);
  offset += packet.payload.length;
  if (padding > 0) {
    out.fill(0, offset, offset + padding - 1);
    out[offset + padding - 1] = padding;
  }
  return out;
}

/** Header fields {@link rewriteRtpHeader} can change in place. */
export interface RtpHeaderRewrite {
  marker?: boolean;
  payloadType?: number;
  sequenceNumber?: number;
  timestamp?: number;
  ssrc?: number;
}

/**
 * Rewrites fixed-header fields of a serialized RTP packet in place: the hot path of forwarding one packet to
 * many receivers (copy once per receiver, rewrite SSRC / payload type / sequence, encrypt) without parsing.
 * @throws RtpError `ERR_TOO_SHORT` when `bytes` is shorter than the fixed header, `ERR_INVALID_ARGUMENT`
 */
export function rewriteRtpHeader(bytes: Uint8Array, fields: RtpHeaderRewrite): void {
  if (bytes.length < RTP_HEADER_SIZE)
    throw new RtpError("ERR_TOO_SHORT", `RTP packet of ${bytes.length} bytes`);
  if (fields.marker !== undefined) bytes[1] = (bytes[1]! & 0x7f) | (fields.marker ? 0x80 : 0);
  if (fields.payloadType !== undefined) {
    checkField(fields.payloadType, 0x7f, "payload type");
    bytes[1] = (bytes[1]! & 0x80) | fields.payloadType;
  }
  if (fields.sequenceNumber !== undefined) {
    checkField(fields.sequenceNumber, 0xffff, "sequence number");
    bytes[2] = fields.sequenceNumber >>> 8;
    bytes[3] = fields.sequenceNumber & 0xff;
  }
  if (fields.timestamp !== undefined) {
    checkField(fields.timestamp, 0xffffffff, "timestamp");
    writeU32(bytes, 4, fields.timestamp);
  }
  if (fields.ssrc !== undefined) {
    checkField(fields.ssrc, 0xffffffff, "SSRC");
    writeU32(bytes, 8, fields.ssrc);
  }
}

/**
 * Tells RTCP from RTP on a multiplexed port (RFC 5761 §4): the second byte of RTCP is a packet type 192–223
 * (with RTP, that range is marker bit + payload types 64–95, which RFC 5761 forbids).
 */
export function isRtcpPacket(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0]! >> 6 === 2 && bytes[1]! >= 192 && bytes[1]! <= 223;
}

/** True when `bytes` may be RTP: version 2, at least 12 bytes, and not RTCP by {@link isRtcpPacket}. */
export function isRtpPacket(bytes: Uint8Array): boolean {
  return bytes.length >= RTP_HEADER_SIZE && bytes[0]! >> 6 === 2 && !isRtcpPacket(bytes);
}

function checkField(value: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new RtpError("ERR_INVALID_ARGUMENT", `${what} ${value} out of range 0–${max}`);
}
