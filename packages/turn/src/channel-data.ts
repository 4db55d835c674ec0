import { TurnError } from "./errors.js";

/** Lowest channel number a client may bind (RFC 8656 §12). */
export const MIN_CHANNEL = 0x4000;
/** Highest channel number a client may bind (RFC 8656 §12; 0x5000–0x7FFF are reserved). */
export const MAX_CHANNEL = 0x4fff;
/** Size of the ChannelData header: channel number and length, 2 bytes each. */
export const CHANNEL_DATA_HEADER = 4;

/** One decoded ChannelData message (RFC 8656 §12.4). */
export interface ChannelData {
  /** Channel number, 0x4000–0x4FFF. */
  channel: number;
  /** Application data: a view into the input, not a copy. */
  data: Uint8Array;
}

/** True for a channel number a client may bind: 0x4000–0x4FFF. */
export function isValidChannel(channel: number): boolean {
  return Number.isInteger(channel) && channel >= MIN_CHANNEL && channel <= MAX_CHANNEL;
}

/**
 * True when a datagram from the TURN server is ChannelData rather than STUN:
 * its first byte is 64–79 (RFC 8656 §12.4 and RFC 7983: STUN starts 0–3,
 * ChannelData 64–79). Bytes 80–127 are reserved channel numbers and are not
 * ChannelData a client accepts.
 */
export function isChannelData(datagram: Uint8Array): boolean {
  const first = datagram[0];
  return first !== undefined && first >= 0x40 && first <= 0x4f;
}

/**
 * Encodes a ChannelData message. With `pad` (default false, as UDP needs none,
 * RFC 8656 §12.5) the message is padded with zeros to a multiple of 4 bytes,
 * as stream transports require; the length field always holds the data length.
 * @throws TurnError `ERR_BAD_CHANNEL_NUMBER`, `ERR_CHANNEL_DATA_TOO_LONG`
 */
export function encodeChannelData(channel: number, data: Uint8Array, pad = false): Uint8Array {
  if (!isValidChannel(channel)) {
    throw new TurnError(
      "ERR_BAD_CHANNEL_NUMBER",
      `channel number 0x${channel.toString(16)} is outside 0x4000–0x4FFF (RFC 8656 §12)`,
    );
  }
  if (data.byteLength > 0xffff) {
    throw new TurnError(
      "ERR_CHANNEL_DATA_TOO_LONG",
      `ChannelData carries at most 65535 bytes, got ${data.byteLength} (RFC 8656 §12.4)`,
    );
  }
  const body = CHANNEL_DATA_HEADER + data.byteLength;
  const out = new Uint8Array(pad ? (body + 3) & ~3 : body);
  out[0] = channel >>> 8;
  out[1] = channel & 0xff;
  out[2] = data.byteLength >>> 8;
  out[3] = data.byteLength & 0xff;
  out.set(data, CHANNEL_DATA_HEADER);
  return out;
}

/**
 * Decodes one ChannelData message from a UDP datagram. Bytes after the
 * announced length are padding (RFC 8656 §12.5 allows it over UDP) and
 * ignored. The data is a view into `datagram`.
 * @throws TurnError `ERR_CHANNEL_DATA_TOO_SHORT`, `ERR_NOT_CHANNEL_DATA`,
 *   `ERR_BAD_CHANNEL_NUMBER`; nothing else.
 */
export function decodeChannelData(datagram: Uint8Array): ChannelData {
  if (datagram.byteLength < CHANNEL_DATA_HEADER) {
    throw new TurnError(
      "ERR_CHANNEL_DATA_TOO_SHORT",
      `ChannelData needs a 4-byte header, got ${datagram.byteLength} bytes (RFC 8656 §12.4)`,
    );
  }
  const channel = (datagram[0]! << 8) | datagram[1]!;
  if ((channel & 0xc000) !== 0x4000) {
    throw new TurnError(
      "ERR_NOT_CHANNEL_DATA",
      `first byte 0x${datagram[0]!.toString(16)} is not ChannelData (0x40–0x7F, RFC 8656 §12.4)`,
    );
  }
  if (!isValidChannel(channel)) {
    throw new TurnError(
      "ERR_BAD_CHANNEL_NUMBER",
      `channel number 0x${channel.toString(16)} is reserved (RFC 8656 §12)`,
    );
  }
  const length = (datagram[2]! << 8) | datagram[3]!;
  if (CHANNEL_DATA_HEADER + length > datagram.byteLength) {
    throw new TurnError(
      "ERR_CHANNEL_DATA_TOO_SHORT",
      `ChannelData length ${length} runs past the ${datagram.byteLength}-byte datagram (RFC 8656 §12.4)`,
    );
  }
  return {
    channel,
    data: datagram.subarray(CHANNEL_DATA_HEADER, CHANNEL_DATA_HEADER + length),
  };
}

/**
 * Splits a byte stream (TURN over TCP or TLS) into ChannelData messages, each
 * padded to 4 bytes (RFC 8656 §12.5). Returns the messages whole in `buffer`
 * and how many bytes were consumed; an incomplete tail is left for the next
 * call. A STUN message in the stream is not handled here.
 * @throws TurnError as {@link decodeChannelData}
 */
export function splitChannelDataStream(buffer: Uint8Array): { messages: ChannelData[]; consumed: number } {
  const messages: ChannelData[] = [];
  let offset = 0;
  while (buffer.byteLength - offset >= CHANNEL_DATA_HEADER) {
    const length = (buffer[offset + 2]! << 8) | buffer[offset + 3]!;
    const total = (CHANNEL_DATA_HEADER + length + 3) & ~3;
    if (buffer.byteLength - offset < total) break;
    messages.push(decodeChannelData(buffer.subarray(offset, offset + CHANNEL_DATA_HEADER + length)));
    offset += total;
  }
  return { messages, consumed: offset };
}
