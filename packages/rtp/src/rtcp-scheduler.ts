import { type CancelTimer, startTimer } from "@purertc/socket";
import type { RtpReceiveStream } from "./receive-stream.js";
import { type RtcpPacket, serializeRtcp } from "./rtcp/compound.js";
import type { ReportBlock } from "./rtcp/report-block.js";
import { SdesItemType } from "./rtcp/sdes.js";
import type { RtpSendStream } from "./send-stream.js";

/** Options of {@link RtcpScheduler}. */
export interface RtcpSchedulerOptions {
  /** Our SSRC for RRs when nothing is sent (RFC 3550 §6.4.2). */
  localSsrc: number;
  /** The CNAME carried in every compound packet (RFC 3550 §6.5.1). */
  cname: string;
  /** Where compound RTCP packets go (SRTCP, then the transport). */
  sendRtcp: (packet: Uint8Array) => void;
  /** Mean interval between reports, in ms; each interval is drawn from 0.5–1.5 times it (RFC 3550 §6.3.1). Default 1000. */
  intervalMs?: number;
}

/**
 * Sends the regular RTCP reports of a session: about every second a compound packet with an SR per sending
 * stream (or one RR when nothing is sent), report blocks about the received streams (at most 31 per packet,
 * RFC 3550 §6.4) and an SDES CNAME. One timer, cancelled by {@link close}.
 */
export class RtcpScheduler {
  /** Compound packets sent. */
  reportsSent = 0;
  private readonly sendStreams = new Set<RtpSendStream>();
  private readonly receiveStreams = new Set<RtpReceiveStream>();
  private readonly localSsrc: number;
  private readonly cname: string;
  private readonly intervalMs: number;
  private sendRtcp: ((packet: Uint8Array) => void) | undefined;
  private cancelTimer: CancelTimer | undefined;

  constructor(options: RtcpSchedulerOptions) {
    this.localSsrc = options.localSsrc;
    this.cname = options.cname;
    this.intervalMs = options.intervalMs ?? 1000;
    this.sendRtcp = options.sendRtcp;
    this.schedule();
  }

  /** Reports on this send stream from now on. */
  addSendStream(stream: RtpSendStream): void {
    this.sendStreams.add(stream);
  }

  /** Stops reporting on this send stream (it was stopped). */
  removeSendStream(stream: RtpSendStream): void {
    this.sendStreams.delete(stream);
  }

  /** Carries report blocks about this receive stream from now on. */
  addReceiveStream(stream: RtpReceiveStream): void {
    this.receiveStreams.add(stream);
  }

  /** Stops carrying report blocks about this receive stream. */
  removeReceiveStream(stream: RtpReceiveStream): void {
    this.receiveStreams.delete(stream);
  }

  /**
   * Makes the compound packet of one report interval (what the timer sends).
   * @param now - ms, monotonic
   */
  buildReport(now = performance.now(), unixMs = Date.now()): RtcpPacket[] {
    const blocks: ReportBlock[] = [];
    for (const stream of this.receiveStreams) {
      const block = stream.reportBlock(now);
      if (block) blocks.push(block);
    }
    const packets: RtcpPacket[] = [];
    let first = true;
    for (const stream of this.sendStreams) {
      if (stream.stats.packetsSent === 0) continue; // an SR only from a source that has sent (RFC 3550 §6.4)
      // The blocks ride on the first SR (31 at most per packet), any rest on RRs below.
      packets.push(stream.senderReport(first ? blocks.splice(0, 31) : [], now, unixMs));
      first = false;
    }
    if (packets.length === 0 || blocks.length > 0) {
      do packets.push({ type: "rr", ssrc: this.localSsrc, reports: blocks.splice(0, 31) });
      while (blocks.length > 0);
    }
    // CNAME of every SSRC that reports: the senders, and ours when an RR goes out.
    const ssrcs: number[] = [];
    for (const p of packets)
      if ((p.type === "sr" || p.type === "rr") && !ssrcs.includes(p.ssrc)) ssrcs.push(p.ssrc);
    packets.push({
      type: "sdes",
      chunks: ssrcs
        .slice(0, 31)
        .map((ssrc) => ({ ssrc, items: [{ type: SdesItemType.Cname, value: this.cname }] })),
    });
    return packets;
  }

  /** Sends a BYE for our sources (RFC 3550 §6.6), then closes. */
  bye(reason?: string): void {
    if (!this.sendRtcp) return;
    const ssrcs = this.sendStreams.size > 0 ? [...this.sendStreams].map((s) => s.ssrc) : [this.localSsrc];
    const packets = this.buildReport();
    packets.push(
      reason === undefined
        ? { type: "bye", ssrcs: ssrcs.slice(0, 31) }
        : { type: "bye", ssrcs: ssrcs.slice(0, 31), reason },
    );
    this.sendRtcp(serializeRtcp(packets));
    this.close();
  }

  /** `using` support: {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `await using` support: {@link close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** Cancels the timer and forgets the streams; idempotent. */
  close(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.sendRtcp = undefined;
    this.sendStreams.clear();
    this.receiveStreams.clear();
  }

  private schedule(): void {
    this.cancelTimer = startTimer(this.tick, this.intervalMs * (0.5 + Math.random()));
  }

  private readonly tick = (): void => {
    this.cancelTimer = undefined;
    if (!this.sendRtcp) return;
    this.sendRtcp(serializeRtcp(this.buildReport()));
    this.reportsSent++;
    this.schedule();
  };
}
