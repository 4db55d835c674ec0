import {
  G711Depacketizer,
  H264Depacketizer,
  type MediaFrame,
  OpusDepacketizer,
  type ReportBlock,
  type Depacketizer as RtpDepacketizer,
  type RtpPacket,
  RtpReceiveStream,
  type SenderReport,
  Vp8Depacketizer,
} from "@purertc/rtp";
import type { MimeType } from "./codecs.js";
import type { RtpCodec } from "./sdp-media.js";

/** Counters of one inbound stream (getStats `inbound-rtp`). */
export interface ReceiveCounters {
  packetsReceived: number;
  bytesReceived: number;
  headerBytesReceived: number;
  packetsLost: number;
  framesReceived: number;
  keyFramesReceived: number;
  nackCount: number;
  pliCount: number;
  firCount: number;
}

/** A depacketizer for a mime type (@purertc/rtp's). */
export function depacketizerFor(mime: MimeType | undefined): RtpDepacketizer | undefined {
  if (mime === "video/H264") return new H264Depacketizer({ dropIncomplete: true, waitForKeyframe: true });
  if (mime === "video/VP8") return new Vp8Depacketizer({ dropIncomplete: true, waitForKeyframe: true });
  if (mime === "audio/opus") return new OpusDepacketizer();
  if (mime === "audio/PCMU" || mime === "audio/PCMA") return new G711Depacketizer();
  return undefined;
}

/** What a receive stream needs from its transceiver's negotiation. */
export interface ReceiveStreamOptions {
  ssrc: number;
  /** Our SSRC, sender of the feedback. */
  localSsrc: number;
  /** Codec of a payload type (the negotiated ones), with its mime type. */
  codecOf: (payloadType: number) => { codec: RtpCodec; mime: MimeType | undefined } | undefined;
  /** A serialized RTCP feedback packet (NACK, PLI) to protect and send. */
  sendRtcp: (packet: Uint8Array) => void;
  onFrame: (frame: MediaFrame) => void;
}

/**
 * One remote SSRC's incoming stream, on @purertc/rtp's receive machinery
 * (reorder buffer, RFC 3550 reception statistics, NACK generator when the
 * codec negotiated `nack`, PLI when a key frame is needed and `nack pli`
 * was negotiated), with the depacketizer of the first packet's codec.
 */
export class ReceiveStream {
  private inner: RtpReceiveStream | undefined;
  private headerBytes = 0;
  private closed = false;

  constructor(private readonly options: ReceiveStreamOptions) {}

  get ssrc(): number {
    return this.options.ssrc;
  }

  /** Takes a decrypted packet (`length`: its size with header). */
  receive(packet: RtpPacket, length: number): void {
    if (this.closed) return;
    if (!this.inner) {
      const found = this.options.codecOf(packet.payloadType);
      if (!found) return;
      const feedback = found.codec.feedback;
      const depacketizer = depacketizerFor(found.mime);
      this.inner = new RtpReceiveStream({
        ssrc: this.options.ssrc,
        localSsrc: this.options.localSsrc,
        clockRate: found.codec.clockRate,
        ...(depacketizer ? { depacketizer } : {}),
        sendRtcp: this.options.sendRtcp,
        onFrame: this.options.onFrame,
        nack: feedback.includes("nack") ? {} : false,
        pli: feedback.includes("nack pli"),
      });
    }
    this.headerBytes += length - packet.payload.length;
    this.inner.receive(packet);
  }

  /** Counters for getStats. */
  get counters(): ReceiveCounters {
    const s = this.inner?.stats;
    return {
      packetsReceived: s?.packetsReceived ?? 0,
      bytesReceived: s?.bytesReceived ?? 0,
      headerBytesReceived: this.headerBytes,
      packetsLost: this.inner?.reception.cumulativeLost ?? 0,
      framesReceived: s?.framesReceived ?? 0,
      keyFramesReceived: s?.keyframesReceived ?? 0,
      nackCount: s?.nackCount ?? 0,
      pliCount: s?.pliCount ?? 0,
      firCount: 0,
    };
  }

  /** Notes a sender report from this source (RFC 3550 §6.4.1). */
  noteSenderReport(report: SenderReport): void {
    this.inner?.handleSenderReport(report);
  }

  /** A reception report block for an RR/SR (RFC 3550 §6.4.1). */
  reportBlock(): ReportBlock | undefined {
    return this.inner?.reportBlock();
  }

  /** Sends a PLI (rate-limited). */
  requestKeyframe(): void {
    this.inner?.requestKeyframe();
  }

  /** Cancels the timers and drops held packets and buffers. Idempotent. */
  close(): void {
    this.closed = true;
    this.inner?.close();
    this.inner = undefined;
  }
}
