import { readU32, writeU32 } from "../bytes.js";
import { RtpError } from "../errors.js";
import { badRtcp, checkU32, RtcpPacketType, writeRtcpHeader } from "./header.js";

/** A goodbye packet (RFC 3550 §6.6). */
export interface Goodbye {
  readonly type: "bye";
  readonly ssrcs: readonly number[];
  /** The optional reason for leaving (UTF-8, at most 255 bytes). */
  readonly reason?: string;
}

/** Parses a BYE packet (`b` without padding, `count` the SC field). */
export function parseGoodbye(b: Uint8Array, count: number): Goodbye {
  if (b.length < 4 + count * 4) badRtcp(`BYE with ${count} sources is too short (RFC 3550 §6.6)`);
  const ssrcs: number[] = [];
  for (let i = 0; i < count; i++) ssrcs.push(readU32(b, 4 + i * 4));
  const at = 4 + count * 4;
  if (at < b.length) {
    const len = b[at]!;
    if (at + 1 + len > b.length) badRtcp("BYE reason overruns the packet (RFC 3550 §6.6)");
    return { type: "bye", ssrcs, reason: new TextDecoder().decode(b.subarray(at + 1, at + 1 + len)) };
  }
  return { type: "bye", ssrcs };
}

function reasonBytes(p: Goodbye): Uint8Array | undefined {
  if (p.reason === undefined) return undefined;
  const bytes = new TextEncoder().encode(p.reason);
  if (bytes.length > 255)
    throw new RtpError("ERR_INVALID_ARGUMENT", "BYE reason over 255 bytes (RFC 3550 §6.6)");
  return bytes;
}

/** Size of a serialized BYE packet. */
export function goodbyeLength(p: Goodbye): number {
  const reason = reasonBytes(p);
  return 4 + p.ssrcs.length * 4 + (reason ? (reason.length + 1 + 3) & ~3 : 0);
}

/** Writes a BYE packet at `offset`. */
export function writeGoodbye(out: Uint8Array, offset: number, p: Goodbye): void {
  const length = goodbyeLength(p);
  writeRtcpHeader(out, offset, p.ssrcs.length, RtcpPacketType.Goodbye, length);
  let i = offset + 4;
  for (const ssrc of p.ssrcs) {
    checkU32(ssrc, "SSRC");
    writeU32(out, i, ssrc);
    i += 4;
  }
  const reason = reasonBytes(p);
  if (reason) {
    out[i] = reason.length;
    out.set(reason, i + 1);
    out.fill(0, i + 1 + reason.length, offset + length);
  }
}
