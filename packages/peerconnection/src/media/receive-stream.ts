import {
  H264Depacketizer,
  type MediaFrame,
  OpusDepacketizer,
  type ReportBlock,
  type RtpPacket,
  Vp8Depacketizer,
} from "@purertc/rtp";
import type { MimeType } from "./codecs.js";

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
export interface Depacketizer {
  push(packet: RtpPacket): readonly MediaFrame[];
  readonly keyframeNeeded?: boolean;
}

export function depacketizerFor(mime: MimeType | undefined): Depacketizer | undefined {
  if (mime === "video/H264") return new H264Depacketizer({ dropIncomplete: true, waitForKeyframe: true });
  if (mime === "video/VP8") return new Vp8Depacketizer({ dropIncomplete: true, waitForKeyframe: true });
  if (mime === "audio/opus") return new OpusDepacketizer();
  return undefined;
}

/**
 * One remote SSRC's incoming stream: RFC 3550 §A.1/A.3 sequence and loss
 * accounting (for the RR and getStats), and the depacketizer of the
 * payload type's codec. Packets are handed in decrypted, in arrival order.
 */
export class ReceiveStream {
  readonly counters: ReceiveCounters = {
    packetsReceived: 0,
    bytesReceived: 0,
    headerBytesReceived: 0,
    packetsLost: 0,
    framesReceived: 0,
    keyFramesReceived: 0,
    nackCount: 0,
    pliCount: 0,
    firCount: 0,
  };
  private baseSequence = -1;
  private maxSequence = 0;
  private cycles = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  /** Middle 32 bits of the last SR's NTP time and when it came (for LSR/DLSR). */
  private lastSr = 0;
  private lastSrAt = 0;
  private depacketizers = new Map<number, Depacketizer | undefined>();

  constructor(
    readonly ssrc: number,
    private readonly mimeOf: (payloadType: number) => MimeType | undefined,
  ) {}

  /** Accounts a packet; returns the frames it completes. */
  receive(packet: RtpPacket, length: number): readonly MediaFrame[] {
    const c = this.counters;
    c.packetsReceived++;
    c.bytesReceived += packet.payload.length;
    c.headerBytesReceived += length - packet.payload.length;
    this.track(packet.sequenceNumber);
    let d = this.depacketizers.get(packet.payloadType);
    if (!this.depacketizers.has(packet.payloadType)) {
      if (this.depacketizers.size >= 8) return [];
      d = depacketizerFor(this.mimeOf(packet.payloadType));
      this.depacketizers.set(packet.payloadType, d);
    }
    const frames = d?.push(packet) ?? [];
    for (const f of frames) {
      c.framesReceived++;
      if (f.keyframe) c.keyFramesReceived++;
    }
    return frames;
  }

  /** True when the depacketizer lost its reference and wants a keyframe. */
  get keyframeNeeded(): boolean {
    for (const d of this.depacketizers.values()) if (d?.keyframeNeeded) return true;
    return false;
  }

  private track(seq: number): void {
    if (this.baseSequence < 0) {
      this.baseSequence = seq;
      this.maxSequence = seq;
      return;
    }
    const delta = ((seq - this.maxSequence + 0x8000) & 0xffff) - 0x8000;
    if (delta > 0) {
      if (seq < this.maxSequence) this.cycles += 0x10000;
      this.maxSequence = seq;
    }
    this.counters.packetsLost = Math.max(0, this.expected() - this.counters.packetsReceived);
  }

  private expected(): number {
    return this.cycles + this.maxSequence - this.baseSequence + 1;
  }

  /** Notes a sender report from this source (RFC 3550 §6.4.1). */
  noteSenderReport(ntpTime: bigint, now: number): void {
    this.lastSr = Number((ntpTime >> 16n) & 0xffffffffn);
    this.lastSrAt = now;
  }

  /** A reception report block for an RR/SR (RFC 3550 §6.4.1, §A.3). */
  reportBlock(now: number): ReportBlock | undefined {
    if (this.baseSequence < 0) return undefined;
    const expected = this.expected();
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.counters.packetsReceived - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.counters.packetsReceived;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost =
      expectedInterval <= 0 || lostInterval <= 0
        ? 0
        : Math.min(255, Math.floor((lostInterval << 8) / expectedInterval));
    return {
      ssrc: this.ssrc,
      fractionLost,
      cumulativeLost: this.counters.packetsLost,
      highestSequence: (this.cycles + this.maxSequence) >>> 0,
      jitter: 0,
      lastSenderReport: this.lastSr >>> 0,
      // In units of 1/65536 s.
      delaySinceLastSenderReport: this.lastSrAt
        ? Math.min(0xffffffff, Math.floor(((now - this.lastSrAt) * 65536) / 1000))
        : 0,
    };
  }

  /** Releases the depacketizers' buffers. */
  close(): void {
    this.depacketizers = new Map();
  }
}
