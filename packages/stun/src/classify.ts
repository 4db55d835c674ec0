import { MAGIC_COOKIE } from "./constants.js";

/** What a datagram on a WebRTC 5-tuple is, by its first byte (RFC 7983 §7). */
export type PacketKind = "stun" | "zrtp" | "dtls" | "turn-channel" | "rtp" | "unknown";

/**
 * Classifies a datagram by its first byte as RFC 7983 (updated by RFC 9443)
 * demultiplexes STUN, ZRTP, DTLS, TURN channel data and RTP/RTCP.
 */
export function classifyPacket(data: Uint8Array): PacketKind {
  if (data.length === 0) return "unknown";
  const b = data[0]!;
  if (b <= 3) return "stun";
  if (b >= 16 && b <= 19) return "zrtp";
  if (b >= 20 && b <= 63) return "dtls";
  if (b >= 64 && b <= 79) return "turn-channel";
  if (b >= 128 && b <= 191) return "rtp";
  return "unknown";
}

/**
 * True when `data` looks like a STUN message: first byte 0–3 (RFC 7983),
 * at least a header, and the magic cookie. Cheap; it does not decode.
 */
export function isStunPacket(data: Uint8Array): boolean {
  return (
    data.length >= 20 &&
    data[0]! <= 3 &&
    ((data[4]! << 24) | (data[5]! << 16) | (data[6]! << 8) | data[7]!) >>> 0 === MAGIC_COOKIE
  );
}
