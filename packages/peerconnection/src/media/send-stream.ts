import {
  buildHeaderExtension,
  H264Payloader,
  OpusPayloader,
  type Payloader,
  parseRtpPacket,
  RetransmissionHistory,
  type RtpHeaderExtension,
  RtpPacketizer,
  serializeRtpPacket,
  Vp8Payloader,
} from "@purertc/rtp";
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
}

/** The payload format of a mime type (@purertc/rtp's). */
export function payloaderFor(mime: MimeType | undefined): Payloader | undefined {
  if (mime === "video/H264") return new H264Payloader();
  if (mime === "video/VP8") return new Vp8Payloader();
  if (mime === "audio/opus") return new OpusPayloader();
  return undefined;
}

/**
 * One sender's outgoing RTP stream for its negotiated codec: packetizes
 * frames (or rewrites relayed packets) with the MID header extension,
 * keeps the last {@link HISTORY_SIZE} packets to answer NACKs, and counts.
 * `out` gets each plain RTP packet (the transport protects and sends it).
 */
export class SendStream {
  readonly counters: SendCounters = {
    packetsSent: 0,
    bytesSent: 0,
    headerBytesSent: 0,
    framesSent: 0,
    keyFramesSent: 0,
    nackCount: 0,
    retransmittedPacketsSent: 0,
    retransmittedBytesSent: 0,
    pliCount: 0,
    firCount: 0,
  };
  readonly mime: MimeType | undefined;
  /** RTP timestamp and wall clock of the last packet (for SR, RFC 3550 §6.4.1). */
  lastTimestamp = 0;
  lastSentAt = 0;
  private readonly packetizer: RtpPacketizer | undefined;
  private readonly extension: RtpHeaderExtension | undefined;
  private readonly history = new RetransmissionHistory({ capacity: HISTORY_SIZE });
  private sequenceNumber: number;

  constructor(
    readonly ssrc: number,
    readonly codec: RtpCodec,
    kind: string,
    mid: { id: number; value: string } | undefined,
    private out: ((packet: Uint8Array) => void) | undefined,
  ) {
    this.mime = mimeTypeOf(kind, codec);
    this.extension = mid
      ? buildHeaderExtension([{ id: mid.id, data: new TextEncoder().encode(mid.value) }], "one-byte")
      : undefined;
    const payloader = payloaderFor(this.mime);
    this.packetizer = payloader
      ? new RtpPacketizer({ payloader, ssrc, payloadType: codec.payloadType, extension: this.extension })
      : undefined;
    this.sequenceNumber = this.packetizer?.sequenceNumber ?? 0;
  }

  /** Packetizes and sends one frame; false when this codec has no packetizer. */
  sendFrame(frame: EncodedFrame): boolean {
    if (!this.packetizer || !this.out) return false;
    this.packetizer.sequenceNumber = this.sequenceNumber;
    const packets = this.packetizer.packetize(frame.data, frame.timestamp);
    this.sequenceNumber = this.packetizer.sequenceNumber;
    for (const p of packets) this.emit(p, p.length - this.headerLength());
    this.counters.framesSent++;
    if (frame.keyframe) this.counters.keyFramesSent++;
    this.lastTimestamp = frame.timestamp >>> 0;
    return true;
  }

  /** Sends a packet made elsewhere, with this stream's SSRC, payload type, sequence number and MID. */
  sendRtp(packet: Uint8Array): boolean {
    if (!this.out) return false;
    const p = parseRtpPacket(packet);
    const bytes = serializeRtpPacket({
      marker: p.marker,
      payloadType: this.codec.payloadType,
      sequenceNumber: this.sequenceNumber,
      timestamp: p.timestamp,
      ssrc: this.ssrc,
      csrcs: p.csrcs,
      extension: this.extension,
      payload: p.payload,
    });
    this.sequenceNumber = (this.sequenceNumber + 1) & 0xffff;
    this.emit(bytes, p.payload.length);
    if (p.marker) this.counters.framesSent++;
    this.lastTimestamp = p.timestamp;
    return true;
  }

  private headerLength(): number {
    return 12 + (this.extension ? 4 + this.extension.data.length : 0);
  }

  private emit(packet: Uint8Array, payloadBytes: number): void {
    const seq = (packet[2]! << 8) | packet[3]!;
    this.history.store(seq, packet);
    this.counters.packetsSent++;
    this.counters.bytesSent += payloadBytes;
    this.counters.headerBytesSent += packet.length - payloadBytes;
    this.lastSentAt = Date.now();
    this.out?.(packet);
  }

  /** Answers a generic NACK (RFC 4585 §6.2.1) from the history: the same packets again. */
  retransmit(lost: readonly number[]): void {
    this.counters.nackCount++;
    for (const packet of this.history.answerNack(lost, performance.now())) {
      this.counters.retransmittedPacketsSent++;
      this.counters.retransmittedBytesSent += packet.length;
      this.out?.(packet);
    }
  }

  /** Releases the history; nothing is sent afterwards. */
  close(): void {
    this.out = undefined;
    this.history.clear();
  }
}
