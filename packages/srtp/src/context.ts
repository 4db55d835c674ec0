import { AesCmHmacTransform } from "./aes-cm-transform.js";
import { SrtpError } from "./errors.js";
import { AeadGcmTransform } from "./gcm-transform.js";
import { estimateRoc, MAX_ROC, MAX_SRTCP_INDEX } from "./index-estimation.js";
import { deriveSessionKeys } from "./key-derivation.js";
import { type SrtpProfileName, srtpProfile } from "./profiles.js";
import { DEFAULT_REPLAY_WINDOW, ReplayWindow } from "./replay.js";
import { checkRtcpHeader, readU32, rtpHeaderLength, rtpSequenceNumber } from "./rtp-header.js";
import type { SrtpTransform } from "./transform.js";

/** Options of {@link SrtpContext}. */
export interface SrtpContextOptions {
  profile: SrtpProfileName;
  /** The master key (16 bytes, or 32 for SRTP_AEAD_AES_256_GCM); copied, never kept. */
  masterKey: Uint8Array;
  /** The master salt (14 bytes for AES-CM, 12 for GCM); copied, never kept. */
  masterSalt: Uint8Array;
  /** Replay window in packets, per SSRC, for SRTP and SRTCP (multiple of 32, at least 64; default 1,024). */
  replayWindow?: number;
  /**
   * Streams (SSRCs) remembered per kind and direction (default 1,024). Only authenticated packets create
   * receive state; past the limit the oldest stream is forgotten.
   */
  maxStreams?: number;
}

/** Counters of one {@link SrtpContext}. */
export interface SrtpContextStats {
  rtpProtected: number;
  rtpUnprotected: number;
  rtcpProtected: number;
  rtcpUnprotected: number;
  /** Packets refused because their tag did not match (tampered, truncated or another key). */
  authFailures: number;
  /** Packets refused as replays or older than the window. */
  replayed: number;
  /** Packets refused before authentication as malformed (too short, not version 2, header overrun). */
  malformed: number;
}

/** Largest packet accepted, protected or not: a UDP datagram's 65,535 bytes (RFC 768). */
export const MAX_PACKET = 0xffff;

function checkLength(packet: Uint8Array): void {
  if (packet.length > MAX_PACKET) {
    throw new SrtpError(
      "ERR_TOO_LONG",
      `packet of ${packet.length} bytes, over the ${MAX_PACKET} a UDP datagram holds`,
    );
  }
}

interface SendStream {
  roc: number;
  seq: number;
}

/**
 * One SRTP/SRTCP cryptographic context (RFC 3711 §3.2) for one master key: protect with the context of
 * your own write key, unprotect with the context of the peer's. Per SSRC it keeps the rollover counter and
 * highest sequence number (index estimation, RFC 3711 Appendix A), the replay windows (§3.3.2) and the
 * SRTCP index (§3.4). It owns no timer, socket or listener: `close()` only zeroes keys and drops state.
 *
 * `unprotectRtp`/`unprotectRtcp` take any byte string: they return the clear packet or throw an
 * {@link SrtpError} (and count it in {@link SrtpContext.stats}); state changes only for authenticated packets.
 */
export class SrtpContext {
  /** The negotiated profile. */
  readonly profile: SrtpProfileName;
  #transform: SrtpTransform | undefined;
  readonly #window: number;
  readonly #maxStreams: number;
  readonly #rtpSend = new Map<number, SendStream>();
  readonly #rtpReceive = new Map<number, ReplayWindow>();
  readonly #rtcpSend = new Map<number, number>();
  readonly #rtcpReceive = new Map<number, ReplayWindow>();
  readonly #stats: SrtpContextStats = {
    rtpProtected: 0,
    rtpUnprotected: 0,
    rtcpProtected: 0,
    rtcpUnprotected: 0,
    authFailures: 0,
    replayed: 0,
    malformed: 0,
  };

  constructor(options: SrtpContextOptions) {
    const p = srtpProfile(options.profile);
    this.profile = options.profile;
    this.#window = options.replayWindow ?? DEFAULT_REPLAY_WINDOW;
    new ReplayWindow(this.#window); // validates the size
    const maxStreams = options.maxStreams ?? 1024;
    if (!Number.isInteger(maxStreams) || maxStreams < 1) {
      throw new SrtpError("ERR_INVALID_ARGUMENT", `maxStreams must be a positive integer, got ${maxStreams}`);
    }
    this.#maxStreams = maxStreams;
    const keys = deriveSessionKeys(options.profile, options.masterKey, options.masterSalt);
    this.#transform =
      p.kind === "aes-cm"
        ? new AesCmHmacTransform(keys.rtp, keys.rtcp, p.rtpTagLength, p.rtcpTagLength)
        : new AeadGcmTransform(keys.rtp, keys.rtcp);
  }

  /** A copy of the counters. */
  get stats(): SrtpContextStats {
    return { ...this.#stats };
  }

  /** Whether {@link SrtpContext.close} was called. */
  get closed(): boolean {
    return this.#transform === undefined;
  }

  #live(): SrtpTransform {
    const t = this.#transform;
    if (t === undefined) throw new SrtpError("ERR_CLOSED", "SRTP context is closed");
    return t;
  }

  /** Protects an RTP packet: returns a new SRTP packet (RFC 3711 §3.3). */
  protectRtp(packet: Uint8Array): Uint8Array {
    const t = this.#live();
    checkLength(packet);
    const headerLength = rtpHeaderLength(packet, packet.length);
    const seq = rtpSequenceNumber(packet);
    const ssrc = readU32(packet, 8);
    let s = this.#rtpSend.get(ssrc);
    let roc = 0;
    if (s === undefined) {
      s = { roc: 0, seq };
      remember(this.#rtpSend, ssrc, s, this.#maxStreams);
    } else {
      // The sender guesses like a receiver (Appendix A), so a retransmitted old packet keeps its old ROC.
      roc = Math.max(0, estimateRoc(s.seq, s.roc, seq));
      if (roc > MAX_ROC)
        throw new SrtpError("ERR_INDEX_EXHAUSTED", "SRTP index space exhausted: re-key (RFC 3711 §9.2)");
      if (roc > s.roc || (roc === s.roc && seq > s.seq)) {
        s.roc = roc;
        s.seq = seq;
      }
    }
    const out = t.protectRtp(packet, headerLength, ssrc, roc, seq);
    this.#stats.rtpProtected++;
    return out;
  }

  /** Authenticates, replay-checks and decrypts an SRTP packet: returns the RTP packet (RFC 3711 §3.3). */
  unprotectRtp(packet: Uint8Array): Uint8Array {
    const t = this.#live();
    const end = packet.length - t.rtpTagLength;
    let headerLength: number;
    try {
      checkLength(packet);
      if (end < 12)
        throw new SrtpError("ERR_TOO_SHORT", `SRTP packet of ${packet.length} bytes is too short`);
      headerLength = rtpHeaderLength(packet, end);
    } catch (e) {
      this.#stats.malformed++;
      throw e;
    }
    const seq = rtpSequenceNumber(packet);
    const ssrc = readU32(packet, 8);
    const window = this.#rtpReceive.get(ssrc);
    let roc = 0;
    if (window !== undefined) {
      const top = window.highest;
      roc = estimateRoc(top % 0x10000, Math.floor(top / 0x10000), seq);
      if (roc < 0 || !window.check(roc * 0x10000 + seq)) {
        this.#stats.replayed++;
        throw new SrtpError(
          "ERR_REPLAY",
          `SRTP packet ${seq} of SSRC ${ssrc} replayed or too old (RFC 3711 §3.3.2)`,
        );
      }
      if (roc > MAX_ROC)
        throw new SrtpError("ERR_INDEX_EXHAUSTED", "SRTP index space exhausted (RFC 3711 §9.2)");
    }
    const out = t.unprotectRtp(packet, headerLength, ssrc, roc, seq);
    if (out === undefined) {
      this.#stats.authFailures++;
      throw new SrtpError("ERR_AUTH", "SRTP authentication failed (RFC 3711 §3.3 step 5)");
    }
    if (window === undefined) {
      const w = new ReplayWindow(this.#window);
      w.accept(seq);
      remember(this.#rtpReceive, ssrc, w, this.#maxStreams);
    } else window.accept(roc * 0x10000 + seq);
    this.#stats.rtpUnprotected++;
    return out;
  }

  /** Protects (encrypts and authenticates) a compound RTCP packet: returns the SRTCP packet (RFC 3711 §3.4). */
  protectRtcp(packet: Uint8Array): Uint8Array {
    const t = this.#live();
    checkLength(packet);
    checkRtcpHeader(packet, packet.length);
    const ssrc = readU32(packet, 4);
    const index = this.#rtcpSend.get(ssrc) ?? 0;
    if (index > MAX_SRTCP_INDEX) {
      throw new SrtpError(
        "ERR_INDEX_EXHAUSTED",
        "SRTCP index space (2^31) exhausted: re-key (RFC 3711 §9.2)",
      );
    }
    remember(this.#rtcpSend, ssrc, index + 1, this.#maxStreams);
    const out = t.protectRtcp(packet, ssrc, index);
    this.#stats.rtcpProtected++;
    return out;
  }

  /** Authenticates, replay-checks and decrypts an SRTCP packet: returns the compound RTCP packet. */
  unprotectRtcp(packet: Uint8Array): Uint8Array {
    const t = this.#live();
    const length = packet.length;
    try {
      checkLength(packet);
      if (length < 8 + 4 + t.rtcpTagLength) {
        throw new SrtpError("ERR_TOO_SHORT", `SRTCP packet of ${length} bytes is too short`);
      }
      checkRtcpHeader(packet, length);
    } catch (e) {
      this.#stats.malformed++;
      throw e;
    }
    const word = readU32(packet, t.rtcpIndexOffset(length));
    const index = word & MAX_SRTCP_INDEX;
    const ssrc = readU32(packet, 4);
    const window = this.#rtcpReceive.get(ssrc);
    if (window !== undefined && !window.check(index)) {
      this.#stats.replayed++;
      throw new SrtpError(
        "ERR_REPLAY",
        `SRTCP index ${index} of SSRC ${ssrc} replayed or too old (RFC 3711 §3.3.2)`,
      );
    }
    const out = t.unprotectRtcp(packet, ssrc, index, word >>> 31 === 1);
    if (out === undefined) {
      this.#stats.authFailures++;
      throw new SrtpError("ERR_AUTH", "SRTCP authentication failed (RFC 3711 §3.4)");
    }
    if (window === undefined) {
      const w = new ReplayWindow(this.#window);
      w.accept(index);
      remember(this.#rtcpReceive, ssrc, w, this.#maxStreams);
    } else window.accept(index);
    this.#stats.rtcpUnprotected++;
    return out;
  }

  /**
   * Zeroes the session keys, salts and HMAC pads this context holds and forgets every stream; later calls
   * throw `ERR_CLOSED`. Idempotent. (Key schedules inside OpenSSL cipher objects are freed with them by
   * the GC; Node offers no way to wipe them.)
   */
  close(): void {
    const t = this.#transform;
    if (t === undefined) return;
    this.#transform = undefined;
    t.close();
    this.#rtpSend.clear();
    this.#rtpReceive.clear();
    this.#rtcpSend.clear();
    this.#rtcpReceive.clear();
  }

  /** Same as {@link SrtpContext.close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}

// Insert or refresh, forgetting the oldest-inserted stream past the limit (Map keeps insertion order).
function remember<V>(map: Map<number, V>, key: number, value: V, max: number): void {
  if (!map.has(key) && map.size >= max) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}
