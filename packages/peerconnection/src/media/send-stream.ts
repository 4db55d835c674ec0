import {
  buildHeaderExtension,
  G711Payloader,
  H264Payloader,
  OpusPayloader,
  type Payloader,
  parseRtpPacket,
  type ReportBlock,
  type RtcpPacket,
  RtpError,
  RtpSendStream,
  type SenderReport,
  Vp8Payloader,
} from "@purertc/rtp";
import { PeerConnectionError } from "../errors.js";
import { type MimeType, mimeTypeOf } from "./codecs.js";
import type { EncodedFrame } from "./receiver.js";
import type { RtpCodec } from "./sdp-media.js";

/** Packets kept for retransmission (@purertc/rtp's RetransmissionHistory, at least 1,024). */
export const HISTORY_SIZE = 1024;

/** Counters of one outbound stream (getStats `outbound-rtp`). */
export interface SendCounters {
  packetsSent: number;
  /** Payload bytes (RTCStats bytesSent excludes headers). */
  bytesSent: number;
  headerBytesSent: number;
  framesSent: number;
  keyFramesSent: number;
  nackCount: number;
  retransmittedPacketsSent: number;
  retransmittedBytesSent: number;
  pliCount: number;
  firCount: number;
  /** From the peer's latest report block (RFC 3550 §6.4.1). */
  roundTripTime: number | undefined;
}

/** The payload format of a mime type (@purertc/rtp's). */
export function payloaderFor(mime: MimeType | undefined): Payloader | undefined {
  if (mime === "video/H264") return new H264Payloader();
  if (mime === "video/VP8") return new Vp8Payloader();
  if (mime === "audio/opus") return new OpusPayloader();
  if (mime === "audio/PCMU" || mime === "audio/PCMA") return new G711Payloader();
  return undefined;
}

/**
 * One sender's outgoing RTP stream for its negotiated codec, on
 * @purertc/rtp's RtpSendStream: packetizes frames (or rewrites relayed
 * packets) with the MID header extension, keeps the last
 * {@link HISTORY_SIZE} packets to answer NACKs, turns PLI/FIR into key
 * frame requests and makes its sender report. `out` gets each plain RTP
 * packet (the transport protects and sends it).
 */
export class SendStream {
  readonly mime: MimeType | undefined;
  private inner: RtpSendStream | undefined;
  private wireBytes = 0;
  private retransmittedBytes = 0;
  private keyFrames = 0;
  private sending = false;

  constructor(
    readonly ssrc: number,
    readonly codec: RtpCodec,
    kind: string,
    mid: { id: number; value: string } | undefined,
    private out: ((packet: Uint8Array) => void) | undefined,
    onKeyframeRequest?: (kind: "pli" | "fir") => void,
  ) {
    this.mime = mimeTypeOf(kind, codec);
    const payloader = payloaderFor(this.mime);
    if (!payloader) return;
    this.inner = new RtpSendStream({
      ssrc,
      payloadType: codec.payloadType,
      clockRate: codec.clockRate,
      payloader,
      sendRtp: this.emit,
      history: { capacity: HISTORY_SIZE },
      ...(onKeyframeRequest ? { onKeyframeRequest } : {}),
      ...(mid
        ? {
            extension: buildHeaderExtension(
              [{ id: mid.id, data: new TextEncoder().encode(mid.value) }],
              "one-byte",
            ),
          }
        : {}),
    });
  }

  private readonly emit = (packet: Uint8Array): void => {
    if (this.sending) this.wireBytes += packet.length;
    else this.retransmittedBytes += packet.length;
    this.out?.(packet);
  };

  /** Packetizes and sends one frame; false when closed or the codec has no packetizer. */
  sendFrame(frame: EncodedFrame): boolean {
    if (!this.inner || !this.out) return false;
    this.sending = true;
    try {
      this.inner.sendFrame(frame.data, frame.timestamp);
    } catch (error) {
      throw refused(error, `a ${this.mime} frame`);
    } finally {
      this.sending = false;
    }
    if (frame.keyframe) this.keyFrames++;
    return true;
  }

  /** Sends a packet made elsewhere, with this stream's SSRC, payload type, sequence number and MID. */
  sendRtp(packet: Uint8Array): boolean {
    if (!this.inner || !this.out) return false;
    this.sending = true;
    try {
      this.inner.sendRtp(parseRtpPacket(packet));
    } catch (error) {
      throw refused(error, "an RTP packet");
    } finally {
      this.sending = false;
    }
    return true;
  }

  /** A received RTCP packet: NACK answered, PLI/FIR to the key frame callback, report blocks kept. */
  handleRtcp(packet: RtcpPacket): void {
    this.inner?.handleRtcp(packet);
  }

  /** This stream's SR (with `reports`), or undefined before anything was sent. */
  senderReport(reports: readonly ReportBlock[]): SenderReport | undefined {
    if (!this.inner || this.inner.stats.packetsSent === 0) return undefined;
    return this.inner.senderReport(reports);
  }

  /** Counters for getStats. */
  get counters(): SendCounters {
    const s = this.inner?.stats;
    const packetsSent = s?.packetsSent ?? 0;
    const bytesSent = s?.bytesSent ?? 0;
    return {
      packetsSent,
      bytesSent,
      headerBytesSent: this.wireBytes - bytesSent,
      framesSent: s?.framesSent ?? 0,
      keyFramesSent: this.keyFrames,
      nackCount: s?.nackCount ?? 0,
      retransmittedPacketsSent: s?.retransmittedPackets ?? 0,
      retransmittedBytesSent: this.retransmittedBytes,
      pliCount: s?.pliCount ?? 0,
      firCount: s?.firCount ?? 0,
      roundTripTime: s?.roundTripTimeMs === undefined ? undefined : s.roundTripTimeMs / 1000,
    };
  }

  /** Releases the history; nothing is sent afterwards. */
  close(): void {
    this.out = undefined;
    this.inner?.close();
    this.inner = undefined;
  }
}

/** The payload format's or the RTP parser's refusal, as this package's error. */
function refused(error: unknown, what: string): unknown {
  if (!(error instanceof RtpError)) return error;
  return new PeerConnectionError("ERR_OPERATION", `cannot send ${what}: ${error.message}`, { cause: error });
}
