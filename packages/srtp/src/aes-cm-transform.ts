import { AesCmKeystream } from "./aes-cm.js";
import { HmacSha1 } from "./hmac-sha1.js";
import type { SessionKeys } from "./key-derivation.js";
import { KeystreamCache } from "./keystream-cache.js";
import { writeU32 } from "./rtp-header.js";
import { allocate, type SrtpTransform } from "./transform.js";

/**
 * AES_CM_128 + HMAC-SHA1 (RFC 3711 §4.1.1, §4.2.1): SRTP is header ‖ E(payload) ‖ tag over
 * (header ‖ E(payload) ‖ ROC); SRTCP is header ‖ E(rest) ‖ E-flag|index ‖ tag over everything before the tag
 * (§3.4). One reused keystream cipher (SRTP's made a few packets ahead) and one HMAC per session key (see
 * aes-cm.ts, keystream-cache.ts and hmac-sha1.ts for what was measured).
 */
export class AesCmHmacTransform implements SrtpTransform {
  readonly #rtpKeystream: KeystreamCache;
  readonly #rtcpKeystream: AesCmKeystream;
  readonly #rtpMac: HmacSha1;
  readonly #rtcpMac: HmacSha1;
  readonly #rtpSalt: Uint8Array;
  readonly #rtcpSalt: Uint8Array;

  constructor(
    rtp: SessionKeys,
    rtcp: SessionKeys,
    readonly rtpTagLength: number,
    readonly rtcpTagLength: number,
  ) {
    this.#rtpKeystream = new KeystreamCache(new AesCmKeystream(rtp.encryptionKey), rtp.salt);
    this.#rtcpKeystream = new AesCmKeystream(rtcp.encryptionKey);
    this.#rtpMac = new HmacSha1(rtp.authenticationKey);
    this.#rtcpMac = new HmacSha1(rtcp.authenticationKey);
    this.#rtpSalt = rtp.salt;
    this.#rtcpSalt = rtcp.salt;
    // The session keys themselves are now inside the cipher objects and pads: zero the copies.
    rtp.encryptionKey.fill(0);
    rtp.authenticationKey.fill(0);
    rtcp.encryptionKey.fill(0);
    rtcp.authenticationKey.fill(0);
  }

  rtcpIndexOffset(length: number): number {
    return length - this.rtcpTagLength - 4;
  }

  protectRtp(packet: Uint8Array, headerLength: number, ssrc: number, roc: number, seq: number): Uint8Array {
    const length = packet.length;
    const tag = this.rtpTagLength;
    const out = allocate(length + tag);
    out.set(packet);
    this.#rtpKeystream.xor(ssrc, roc * 0x10000 + seq, out, headerLength, length);
    this.#rtpMac.sign(out, 0, length, roc, out, length, tag);
    return out;
  }

  unprotectRtp(
    packet: Uint8Array,
    headerLength: number,
    ssrc: number,
    roc: number,
    seq: number,
  ): Uint8Array | undefined {
    const end = packet.length - this.rtpTagLength;
    if (!this.#rtpMac.verify(packet, 0, end, roc, packet, end, this.rtpTagLength)) return undefined;
    const out = allocate(end);
    out.set(packet.subarray(0, end));
    this.#rtpKeystream.xor(ssrc, roc * 0x10000 + seq, out, headerLength, end);
    return out;
  }

  protectRtcp(packet: Uint8Array, ssrc: number, index: number): Uint8Array {
    const length = packet.length;
    const tag = this.rtcpTagLength;
    const out = allocate(length + 4 + tag);
    out.set(packet);
    this.#rtcpKeystream.xor(this.#rtcpSalt, ssrc, index >>> 16, index & 0xffff, out, 8, length);
    writeU32(out, length, (0x80000000 | index) >>> 0);
    this.#rtcpMac.sign(out, 0, length + 4, -1, out, length + 4, tag);
    return out;
  }

  unprotectRtcp(packet: Uint8Array, ssrc: number, index: number, encrypted: boolean): Uint8Array | undefined {
    const tagAt = packet.length - this.rtcpTagLength;
    if (!this.#rtcpMac.verify(packet, 0, tagAt, -1, packet, tagAt, this.rtcpTagLength)) return undefined;
    const end = tagAt - 4;
    const out = allocate(end);
    out.set(packet.subarray(0, end));
    if (encrypted) this.#rtcpKeystream.xor(this.#rtcpSalt, ssrc, index >>> 16, index & 0xffff, out, 8, end);
    return out;
  }

  close(): void {
    this.#rtpKeystream.clear();
    this.#rtpKeystream.keystream.close();
    this.#rtcpKeystream.close();
    this.#rtpMac.close();
    this.#rtcpMac.close();
    this.#rtpSalt.fill(0);
    this.#rtcpSalt.fill(0);
  }
}
