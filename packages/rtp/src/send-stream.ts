import { randomInt } from "node:crypto";
import type { Payloader } from "./codecs/payloader.js";
import { RtpError } from "./errors.js";
import { ntpMiddle32, ntpTimeFromUnixMs } from "./ntp.js";
import {
  parseRtpPacket,
  RTP_HEADER_SIZE,
  type RtpHeaderExtension,
  type RtpPacket,
  serializeRtpPacket,
} from "./packet.js";
import { RtpPacketizer } from "./packetizer.js";
import { RetransmissionHistory, type RetransmissionHistoryOptions } from "./retransmission-history.js";
import type { RtcpPacket } from "./rtcp/compound.js";
import type { ReportBlock } from "./rtcp/report-block.js";
import type { SenderReport } from "./rtcp/sender-report.js";
import { wrapRtx } from "./rtx.js";

/** Options of {@link RtpSendStream}. */
export interface RtpSendStreamOptions {
  ssrc: number;
  payloadType: number;
  /** RTP clock rate in Hz (90000 video, 48000 Opus). */
  clockRate: number;
  /** The payload format used by {@link RtpSendStream.sendFrame}. */
  payloader: Payloader;
  /** Where serialized RTP packets go (SRTP, then the transport). */
  sendRtp: (packet: Uint8Array) => void;
  /** Called on a PLI or a new FIR for this stream: the encoder should make a key frame. */
  onKeyframeRequest?: (reason: "pli" | "fir") => void;
  /** Budget of an RTP packet before SRTP. Default 1200. */
  mtu?: number;
  /** Header extension block put on every packet (e.g. the MID). */
  extension?: RtpHeaderExtension;
  history?: RetransmissionHistoryOptions;
  /** Send retransmissions on this RTX stream (RFC 4588) instead of as copies of the original packets. */
  rtx?: { ssrc: number; payloadType: number };
}

/** Counters of an {@link RtpSendStream} (the `outbound-rtp` stats). */
export interface SendStreamStats {
  packetsSent: number;
  /** Payload bytes sent (the SR octet count, RFC 3550 §6.4.1). */
  bytesSent: number;
  framesSent: number;
  /** Packets resent in answer to NACKs. */
  retransmittedPackets: number;
  nackCount: number;
  pliCount: number;
  firCount: number;
  /** The latest report block a receiver sent about this stream. */
  lastReport: ReportBlock | undefined;
  /** Round-trip time from the latest report's LSR/DLSR, in ms (RFC 3550 §6.4.1). */
  roundTripTimeMs: number | undefined;
}

/**
 * The send side of one RTP stream: packetizes frames, remembers what it sent (retransmission history of at
 * least 1,024 packets), answers NACKs from it, turns PLI and FIR into key frame requests, and makes its sender
 * report. It owns no timer and no transport: an {@link RtcpScheduler} asks it for reports.
 */
export class RtpSendStream {
  /** Counters. */
  readonly stats: SendStreamStats = {
    packetsSent: 0,
    bytesSent: 0,
    framesSent: 0,
    retransmittedPackets: 0,
    nackCount: 0,
    pliCount: 0,
    firCount: 0,
    lastReport: undefined,
    roundTripTimeMs: undefined,
  };
  readonly ssrc: number;
  readonly clockRate: number;
  private readonly packetizer: RtpPacketizer;
  private readonly history: RetransmissionHistory;
  private transport: ((packet: Uint8Array) => void) | undefined;
  private onKeyframeRequest: ((reason: "pli" | "fir") => void) | undefined;
  private lastTimestamp = 0;
  private lastSentAt = -1;
  private lastFirSequence = -1;
  private closed = false;
  private readonly rtx: { ssrc: number; payloadType: number } | undefined;
  private rtxSequence = 0;
  /** NTP middle 32 bits of our SRs → monotonic send time, for RTT (a few kept). */
  private readonly srTimes = new Map<number, number>();

  constructor(options: RtpSendStreamOptions) {
    this.ssrc = options.ssrc;
    this.clockRate = options.clockRate;
    this.transport = options.sendRtp;
    this.onKeyframeRequest = options.onKeyframeRequest;
    this.history = new RetransmissionHistory(options.history);
    this.rtx = options.rtx;
    this.rtxSequence = randomInt(0, 0x10000);
    this.packetizer = new RtpPacketizer({
      payloader: options.payloader,
      ssrc: options.ssrc,
      payloadType: options.payloadType,
      ...(options.mtu !== undefined ? { mtu: options.mtu } : {}),
      ...(options.extension ? { extension: options.extension } : {}),
    });
  }

  /**
   * Packetizes and sends one encoded frame.
   * @param timestamp - RTP timestamp of the frame, in the clock rate
   * @param now - ms, monotonic (for the SR's RTP timestamp)
   * @returns the number of packets sent
   * @throws RtpError `ERR_CLOSED` after close, or the payload format's errors
   */
  sendFrame(frame: Uint8Array | readonly Uint8Array[], timestamp: number, now = performance.now()): number {
    if (this.closed) throw new RtpError("ERR_CLOSED", "send stream closed");
    const packets = this.packetizer.packetize(frame, timestamp);
    for (const packet of packets) this.sendPacket(packet, (packet[2]! << 8) | packet[3]!);
    this.stats.framesSent++;
    this.lastTimestamp = timestamp >>> 0;
    this.lastSentAt = now;
    return packets.length;
  }

  /**
   * Sends an RTP packet made elsewhere (a camera's, relayed without depacketizing: the RTSP-to-WebRTC fan-out),
   * rewritten for this stream: its SSRC, payload type and next sequence number, and this stream's header
   * extension block when it has one. Payload, timestamp, marker and CSRCs are kept. One copy, as each receiver
   * needs its own bytes anyway.
   * @throws RtpError `ERR_CLOSED` after close
   */
  sendRtp(packet: RtpPacket, now = performance.now()): void {
    if (this.closed) throw new RtpError("ERR_CLOSED", "send stream closed");
    const sequenceNumber = this.packetizer.sequenceNumber;
    this.packetizer.sequenceNumber = (sequenceNumber + 1) & 0xffff;
    const bytes = serializeRtpPacket({
      marker: packet.marker,
      payloadType: this.packetizer.payloadType,
      sequenceNumber,
      timestamp: packet.timestamp,
      ssrc: this.ssrc,
      csrcs: packet.csrcs,
      extension: this.packetizer.extension ?? packet.extension,
      payload: packet.payload,
    });
    this.sendPacket(bytes, sequenceNumber);
    if (packet.marker) this.stats.framesSent++;
    this.lastTimestamp = packet.timestamp;
    this.lastSentAt = now;
  }

  private sendPacket(packet: Uint8Array, sequenceNumber: number): void {
    this.history.store(sequenceNumber, packet);
    this.stats.packetsSent++;
    // Payload octets: our packets carry no padding, maybe CSRCs and an extension block.
    const at = RTP_HEADER_SIZE + (packet[0]! & 0x0f) * 4;
    const extension = packet[0]! & 0x10 ? 4 + ((packet[at + 2]! << 8) | packet[at + 3]!) * 4 : 0;
    this.stats.bytesSent += packet.length - at - extension;
    this.transport?.(packet);
  }

  /**
   * Takes one received RTCP packet: a NACK for this stream is answered from the history, a PLI or a new FIR
   * becomes a key frame request, a report block about this stream is kept (with the RTT it gives).
   * @param now - ms, monotonic
   */
  handleRtcp(packet: RtcpPacket, now = performance.now()): void {
    if (this.closed) return;
    switch (packet.type) {
      case "nack":
        if (packet.mediaSsrc !== this.ssrc) return;
        this.stats.nackCount++;
        for (const resend of this.history.answerNack(packet.lost, now)) {
          this.stats.retransmittedPackets++;
          this.transport?.(this.rtx ? this.wrap(resend, this.rtx) : resend);
        }
        return;
      case "pli":
        if (packet.mediaSsrc !== this.ssrc) return;
        this.stats.pliCount++;
        this.onKeyframeRequest?.("pli");
        return;
      case "fir":
        for (const entry of packet.entries) {
          // A repeated FIR sequence number is the same request again (RFC 5104 §4.3.1.2).
          if (entry.ssrc !== this.ssrc || entry.sequenceNumber === this.lastFirSequence) continue;
          this.lastFirSequence = entry.sequenceNumber;
          this.stats.firCount++;
          this.onKeyframeRequest?.("fir");
        }
        return;
      case "rr":
      case "sr":
        for (const block of packet.reports) if (block.ssrc === this.ssrc) this.takeReport(block, now);
        return;
    }
  }

  private wrap(original: Uint8Array, rtx: { ssrc: number; payloadType: number }): Uint8Array {
    const sequenceNumber = this.rtxSequence;
    this.rtxSequence = (this.rtxSequence + 1) & 0xffff;
    return wrapRtx(parseRtpPacket(original), { ...rtx, sequenceNumber });
  }

  private takeReport(block: ReportBlock, now: number): void {
    this.stats.lastReport = block;
    const sentAt = this.srTimes.get(block.lastSenderReport);
    if (block.lastSenderReport !== 0 && sentAt !== undefined) {
      this.stats.roundTripTimeMs = Math.max(
        0,
        now - sentAt - (block.delaySinceLastSenderReport / 65536) * 1000,
      );
    }
  }

  /**
   * Makes this stream's sender report (RFC 3550 §6.4.1): the NTP time of now and the RTP timestamp of the
   * same instant, extrapolated from the last frame sent.
   * @param reports - report blocks about received streams to carry
   */
  senderReport(
    reports: readonly ReportBlock[] = [],
    now = performance.now(),
    unixMs = Date.now(),
  ): SenderReport {
    const ntpTime = ntpTimeFromUnixMs(unixMs);
    const elapsed = this.lastSentAt < 0 ? 0 : now - this.lastSentAt;
    const rtpTimestamp = (this.lastTimestamp + Math.round((elapsed * this.clockRate) / 1000)) >>> 0;
    this.srTimes.set(ntpMiddle32(ntpTime), now);
    if (this.srTimes.size > 8) this.srTimes.delete(this.srTimes.keys().next().value!);
    return {
      type: "sr",
      ssrc: this.ssrc,
      ntpTime,
      rtpTimestamp,
      packetCount: this.stats.packetsSent >>> 0,
      octetCount: this.stats.bytesSent >>> 0,
      reports,
    };
  }

  /** `using` support: {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `await using` support: {@link close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** Releases the history and the callbacks; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.history.clear();
    this.srTimes.clear();
    this.transport = undefined;
    this.onKeyframeRequest = undefined;
  }
}
