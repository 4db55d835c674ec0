import { type CancelTimer, startTimer } from "@purertc/socket";
import type { MediaFrame } from "./codecs/frame.js";
import { NackGenerator, type NackGeneratorOptions } from "./nack.js";
import type { RtpPacket } from "./packet.js";
import { ReceptionStats } from "./receiver-stats.js";
import { ReorderBuffer, type ReorderBufferOptions } from "./reorder-buffer.js";
import { type RtcpPacket, serializeRtcp } from "./rtcp/compound.js";
import type { ReportBlock } from "./rtcp/report-block.js";
import { SdesItemType } from "./rtcp/sdes.js";
import type { SenderReport } from "./rtcp/sender-report.js";
import { unwrapRtx } from "./rtx.js";

/** What a receive stream needs of a depacketizer (H264Depacketizer, Vp8Depacketizer, OpusDepacketizer). */
export interface Depacketizer {
  push(packet: RtpPacket): readonly MediaFrame[];
  /** True when the decoder needs a key frame (loss broke the reference chain). */
  readonly keyframeNeeded?: boolean;
}

/** Options of {@link RtpReceiveStream}. */
export interface RtpReceiveStreamOptions {
  /** The remote media source. */
  ssrc: number;
  /** Our SSRC, the sender of feedback. */
  localSsrc: number;
  /** RTP clock rate in Hz. */
  clockRate: number;
  /** Reassembles frames; without one, packets are only reordered and counted. */
  depacketizer?: Depacketizer;
  /** Where feedback goes (a serialized reduced-size RTCP packet: a NACK or a PLI), to SRTCP and the transport. */
  sendRtcp: (packet: Uint8Array) => void;
  /** Every frame the depacketizer completes. */
  onFrame?: (frame: MediaFrame) => void;
  /** Every packet, in sequence order, after the reorder buffer. */
  onPacket?: (packet: RtpPacket) => void;
  /** NACK settings, or false when the remote did not negotiate `nack` (RFC 4585). */
  nack?: NackGeneratorOptions | false;
  /** Send PLIs (the remote negotiated `nack pli`). Default true. */
  pli?: boolean;
  reorder?: ReorderBufferOptions;
  /** How often pending work (NACK retries, reorder timeouts, PLI) is looked at, in ms. Default 20. */
  tickMs?: number;
  /** Minimum time between two PLIs, in ms. Default 500. */
  pliIntervalMs?: number;
  /**
   * Our CNAME, when reduced-size RTCP (RFC 5506, `a=rtcp-rsize`) was not negotiated: each NACK or PLI then goes
   * in a compound packet behind an RR and an SDES. Without it, feedback goes alone (what WebRTC peers use).
   */
  cname?: string;
}

/** Counters of an {@link RtpReceiveStream} (the `inbound-rtp` stats). */
export interface ReceiveStreamStats {
  packetsReceived: number;
  bytesReceived: number;
  framesReceived: number;
  keyframesReceived: number;
  /** NACK packets sent. */
  nackCount: number;
  pliCount: number;
}

/**
 * The receive side of one RTP stream: reception statistics (RFC 3550 A.1/A.3/A.8), a bounded reorder buffer,
 * a NACK generator (RFC 4585) and a depacketizer; when the picture is broken (a loss given up, a damaged
 * frame) it sends PLIs until a key frame arrives. Its one timer runs only while there is work (missing or
 * held packets, a key frame awaited) and {@link close} cancels it.
 */
export class RtpReceiveStream {
  /** Counters. */
  readonly stats: ReceiveStreamStats = {
    packetsReceived: 0,
    bytesReceived: 0,
    framesReceived: 0,
    keyframesReceived: 0,
    nackCount: 0,
    pliCount: 0,
  };
  /** RFC 3550 reception statistics, for report blocks. */
  readonly reception: ReceptionStats;
  readonly ssrc: number;
  private readonly localSsrc: number;
  private readonly reorder: ReorderBuffer;
  private readonly nack: NackGenerator | undefined;
  private readonly pli: boolean;
  private readonly tickMs: number;
  private readonly pliIntervalMs: number;
  private depacketizer: Depacketizer | undefined;
  private sendRtcp: ((packet: Uint8Array) => void) | undefined;
  private onFrame: ((frame: MediaFrame) => void) | undefined;
  private onPacket: ((packet: RtpPacket) => void) | undefined;
  private cancelTick: CancelTimer | undefined;
  private lastPliAt = Number.NEGATIVE_INFINITY;
  private skippedSeen = 0;
  private closed = false;
  private readonly cname: string | undefined;

  constructor(options: RtpReceiveStreamOptions) {
    this.cname = options.cname;
    this.ssrc = options.ssrc;
    this.localSsrc = options.localSsrc;
    this.reception = new ReceptionStats(options.ssrc, options.clockRate);
    this.reorder = new ReorderBuffer(options.reorder);
    this.nack = options.nack === false ? undefined : new NackGenerator(options.nack);
    this.pli = options.pli ?? true;
    this.tickMs = options.tickMs ?? 20;
    this.pliIntervalMs = options.pliIntervalMs ?? 500;
    this.depacketizer = options.depacketizer;
    this.sendRtcp = options.sendRtcp;
    this.onFrame = options.onFrame;
    this.onPacket = options.onPacket;
  }

  /**
   * Takes a received RTP packet of this stream (already SRTP-decrypted).
   * @param now - ms, monotonic
   */
  receive(packet: RtpPacket, now = performance.now()): void {
    if (this.closed) return;
    this.stats.packetsReceived++;
    this.stats.bytesReceived += packet.payload.length;
    this.reception.received(packet.sequenceNumber, packet.timestamp, packet.payload.length, now);
    if (this.nack) {
      const missing = this.nack.missingCount;
      this.nack.received(packet.sequenceNumber, now);
      // A new gap is NACKed at once (as libwebrtc does), not at the next tick: the retransmission then has the
      // most time to arrive before the reorder buffer gives the gap up.
      if (this.nack.missingCount > missing) this.sendNacks(now);
    }
    this.deliver(this.reorder.push(packet, now));
    this.arm();
  }

  /**
   * Takes a packet of the associated RTX stream (RFC 4588): the original is restored (with the media payload
   * type given) and received as if it had come on the media stream; padding-only probes are ignored.
   * @throws RtpError `ERR_BAD_PAYLOAD` for an RTX payload too short for its OSN
   */
  receiveRtx(packet: RtpPacket, payloadType: number, now = performance.now()): void {
    const original = unwrapRtx(packet, { ssrc: this.ssrc, payloadType });
    if (original) this.receive(original, now);
  }

  /** Records the remote's sender report (for LSR/DLSR in our report blocks). */
  handleSenderReport(report: SenderReport, now = performance.now()): void {
    if (report.ssrc === this.ssrc) this.reception.senderReport(report.ntpTime, now);
  }

  /** The report block about this stream for our next SR or RR; undefined before the first packet. */
  reportBlock(now = performance.now()): ReportBlock | undefined {
    return this.reception.active ? this.reception.reportBlock(now) : undefined;
  }

  /** Sends a PLI now (unless one went out less than `pliIntervalMs` ago); the `requestKeyframe()` of a receiver. */
  requestKeyframe(now = performance.now()): void {
    if (this.closed || now - this.lastPliAt < this.pliIntervalMs) return;
    this.lastPliAt = now;
    this.stats.pliCount++;
    this.sendFeedback({ type: "pli", senderSsrc: this.localSsrc, mediaSsrc: this.ssrc }, now);
  }

  /** `using` support: {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `await using` support: {@link close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** Cancels the timer, drops held packets and the callbacks; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelTick?.();
    this.cancelTick = undefined;
    this.reorder.clear();
    this.nack?.clear();
    this.depacketizer = undefined;
    this.sendRtcp = undefined;
    this.onFrame = undefined;
    this.onPacket = undefined;
  }

  private deliver(packets: readonly RtpPacket[]): void {
    if (this.reorder.stats.skipped !== this.skippedSeen) {
      // The reorder buffer gave a gap up: NACKing it further would bring packets it now drops as late.
      this.skippedSeen = this.reorder.stats.skipped;
      this.nack?.giveUpBefore(this.reorder.nextSequence);
    }
    for (const packet of packets) {
      this.onPacket?.(packet);
      const frames = this.depacketizer?.push(packet);
      if (!frames) continue;
      for (const frame of frames) {
        this.stats.framesReceived++;
        if (frame.keyframe && frame.complete) {
          this.stats.keyframesReceived++;
          this.nack?.keyframeReceived();
        }
        this.onFrame?.(frame);
      }
    }
  }

  private keyframeNeeded(): boolean {
    return this.pli && ((this.depacketizer?.keyframeNeeded ?? false) || (this.nack?.keyframeNeeded ?? false));
  }

  private hasWork(): boolean {
    return this.reorder.size > 0 || (this.nack?.missingCount ?? 0) > 0 || this.keyframeNeeded();
  }

  private arm(): void {
    if (this.cancelTick || this.closed || !this.hasWork()) return;
    this.cancelTick = startTimer(this.tick, this.tickMs);
  }

  private readonly tick = (): void => {
    this.cancelTick = undefined;
    if (this.closed) return;
    const now = performance.now();
    // NACKs first: a retransmission answered at once still fills its gap before the poll gives it up.
    this.sendNacks(now);
    this.deliver(this.reorder.poll(now));
    if (this.keyframeNeeded()) this.requestKeyframe(now);
    this.arm();
  };

  private sendFeedback(packet: RtcpPacket, now: number): void {
    this.sendRtcp?.(this.feedbackPacket(packet, now));
  }

  /**
   * A feedback packet alone (reduced-size RTCP, RFC 5506, when `a=rtcp-rsize` was negotiated) or in a compound
   * packet behind an RR and an SDES CNAME, as RFC 3550 §6.1 and RFC 4585 §3.1 want otherwise.
   */
  private feedbackPacket(packet: RtcpPacket, now: number): Uint8Array {
    if (this.cname === undefined) return serializeRtcp([packet]);
    const block = this.reportBlock(now);
    return serializeRtcp([
      { type: "rr", ssrc: this.localSsrc, reports: block ? [block] : [] },
      {
        type: "sdes",
        chunks: [{ ssrc: this.localSsrc, items: [{ type: SdesItemType.Cname, value: this.cname }] }],
      },
      packet,
    ]);
  }

  private sendNacks(now: number): void {
    const lost = this.nack?.due(now) ?? [];
    if (lost.length === 0) return;
    this.stats.nackCount++;
    this.sendRtcp?.(
      this.feedbackPacket({ type: "nack", senderSsrc: this.localSsrc, mediaSsrc: this.ssrc, lost }, now),
    );
  }
}
