import {
  findHeaderExtension,
  parseRtcp,
  parseRtpPacket,
  type RtcpPacket,
  RtpError,
  serializeRtcp,
} from "@purertc/rtp";
import { type CancelTimer, createDebug, startTimer } from "@purertc/socket";
import { mimeTypeOf } from "./codecs.js";
import type { NegotiatedMedia } from "./media-session.js";
import { ReceiveStream } from "./receive-stream.js";
import { FrameEvent, RtpPacketEvent } from "./receiver.js";
import { sends } from "./sdp-build.js";
import { SendStream } from "./send-stream.js";
import { KeyframeRequestEvent } from "./sender.js";
import type { RtpTransceiver } from "./transceiver.js";

const log = createDebug("purertc:media");

/** SRTP as the media transport uses it (RFC 3711): plain in, protected out, undefined when refused. */
export interface MediaCrypto {
  protectRtp(packet: Uint8Array): Uint8Array;
  protectRtcp(packet: Uint8Array): Uint8Array;
  unprotectRtp(packet: Uint8Array): Uint8Array | undefined;
  unprotectRtcp(packet: Uint8Array): Uint8Array | undefined;
}

/** RTCP interval (RFC 3550 §6.2 leaves it to the profile; WebRTC stacks send about one compound a second). */
const RTCP_INTERVAL_MS = 1000;
/** At most this many remote SSRCs are tracked (bounded memory whatever the peer sends). */
const MAX_REMOTE_SSRCS = 64;

interface Route {
  media: NegotiatedMedia;
  stream: ReceiveStream;
}

/**
 * The RTP side of a connection once SRTP is keyed: send streams per
 * sending transceiver, incoming packets routed by SSRC, then by the MID
 * header extension, then by a payload type unique to one section (JSEP
 * §5.9, RFC 8843 §9.2), RTCP in (SR/RR noted, NACK answered from the
 * history, PLI/FIR as keyframe requests) and out (SR or RR with report
 * blocks and SDES CNAME every second, PLI on request). close() releases
 * the streams, histories and the RTCP timer.
 */
export class MediaTransport {
  private media: NegotiatedMedia[] = [];
  private sendStreams = new Map<number, { stream: SendStream; transceiver: RtpTransceiver }>();
  private routes = new Map<number, Route>();
  private cancelRtcp: CancelTimer | undefined;
  private closed = false;
  /** Datagrams refused by SRTP (authentication or replay) or unparsable. */
  dropped = 0;

  constructor(
    private readonly crypto: MediaCrypto,
    private readonly send: (datagram: Uint8Array) => void,
    private readonly cname: string,
  ) {
    this.scheduleRtcp();
  }

  /** Applies what the last offer/answer negotiated: send streams for sending transceivers. */
  update(media: NegotiatedMedia[]): void {
    if (this.closed) return;
    this.media = media.filter((m) => !m.transceiver.stopped);
    const keep = new Set<number>();
    for (const m of this.media) {
      const t = m.transceiver;
      const codec = m.codecs[0];
      if (!sends(m.direction) || !codec) continue;
      keep.add(t.sender.ssrc);
      const current = this.sendStreams.get(t.sender.ssrc);
      if (current && current.stream.codec.payloadType === codec.payloadType) continue;
      current?.stream.close();
      const mid = m.midExtensionId === undefined ? undefined : { id: m.midExtensionId, value: m.mid };
      const stream = new SendStream(t.sender.ssrc, codec, t.kind, mid, this.sendRtp, (kind) =>
        t.sender.dispatchEvent(new KeyframeRequestEvent(kind)),
      );
      this.sendStreams.set(t.sender.ssrc, { stream, transceiver: t });
      t.sender.link = {
        sendFrame: (_, frame) => stream.sendFrame(frame),
        sendRtp: (_, packet) => stream.sendRtp(packet),
      };
    }
    for (const [ssrc, s] of this.sendStreams) {
      if (keep.has(ssrc)) continue;
      s.stream.close();
      s.transceiver.sender.link = undefined;
      this.sendStreams.delete(ssrc);
    }
    for (const m of this.media) {
      m.transceiver.receiver.link = {
        requestKeyframe: (r) => this.requestKeyframe(m.transceiver, r === m.transceiver.receiver),
      };
    }
    // Signalled SSRCs route at once (RFC 8843 §9.2 step 1).
    for (const m of this.media) for (const ssrc of m.remoteSsrcs) this.route(ssrc, m);
  }

  /** Forgets a stopped transceiver's streams. */
  stopTransceiver(t: RtpTransceiver): void {
    const s = this.sendStreams.get(t.sender.ssrc);
    s?.stream.close();
    this.sendStreams.delete(t.sender.ssrc);
    for (const [ssrc, r] of this.routes) {
      if (r.media.transceiver !== t) continue;
      r.stream.close();
      this.routes.delete(ssrc);
    }
    this.media = this.media.filter((m) => m.transceiver !== t);
  }

  private readonly sendRtp = (packet: Uint8Array): void => {
    if (this.closed) return;
    this.send(this.crypto.protectRtp(packet));
  };

  private sendRtcp(packets: RtcpPacket[]): void {
    if (this.closed || packets.length === 0) return;
    this.send(this.crypto.protectRtcp(serializeRtcp(packets)));
  }

  /** One SRTP or SRTCP datagram from the ICE path (RFC 7983 told which). */
  readonly receive = (datagram: Uint8Array, kind: "rtp" | "rtcp"): void => {
    if (this.closed) return;
    try {
      if (kind === "rtp") this.receiveRtp(datagram);
      else this.receiveRtcp(datagram);
    } catch (error) {
      if (!(error instanceof RtpError)) throw error;
      this.dropped++;
    }
  };

  private receiveRtp(datagram: Uint8Array): void {
    const plain = this.crypto.unprotectRtp(datagram);
    if (!plain) {
      this.dropped++;
      return;
    }
    const packet = parseRtpPacket(plain);
    let route = this.routes.get(packet.ssrc);
    if (!route) {
      const media = this.findMedia(packet.extension, packet.payloadType);
      if (!media) {
        this.dropped++;
        return;
      }
      route = this.route(packet.ssrc, media);
      if (!route) return;
    }
    route.media.transceiver.receiver.dispatchEvent(new RtpPacketEvent(plain));
    route.stream.receive(packet, plain.length);
  }

  private findMedia(
    extension: Parameters<typeof findHeaderExtension>[0],
    payloadType: number,
  ): NegotiatedMedia | undefined {
    for (const m of this.media) {
      if (m.midExtensionId === undefined) continue;
      const mid = findHeaderExtension(extension, m.midExtensionId);
      if (mid && new TextDecoder().decode(mid) === m.mid) return m;
    }
    // A payload type that belongs to one section only (RFC 8843 §9.2).
    const owners = this.media.filter((m) => m.codecs.some((c) => c.payloadType === payloadType));
    return owners.length === 1 ? owners[0] : undefined;
  }

  private route(ssrc: number, media: NegotiatedMedia): Route | undefined {
    const existing = this.routes.get(ssrc);
    if (existing) return existing;
    if (this.routes.size >= MAX_REMOTE_SSRCS) return undefined;
    const t = media.transceiver;
    const receiver = t.receiver;
    const stream = new ReceiveStream({
      ssrc,
      localSsrc: t.sender.ssrc,
      codecOf: (pt) => {
        const codec = media.codecs.find((x) => x.payloadType === pt);
        return codec ? { codec, mime: mimeTypeOf(t.kind, codec) } : undefined;
      },
      sendRtcp: (packet) => {
        if (this.closed) return;
        this.send(this.crypto.protectRtcp(packet));
      },
      onFrame: (f) =>
        receiver.dispatchEvent(
          new FrameEvent({ data: f.data, timestamp: f.timestamp, keyframe: f.keyframe }),
        ),
    });
    const route: Route = { media, stream };
    this.routes.set(ssrc, route);
    return route;
  }

  private receiveRtcp(datagram: Uint8Array): void {
    const plain = this.crypto.unprotectRtcp(datagram);
    if (!plain) {
      this.dropped++;
      return;
    }
    for (const p of parseRtcp(plain)) {
      if (p.type === "sr") this.routes.get(p.ssrc)?.stream.noteSenderReport(p);
      // NACK, PLI, FIR and report blocks: each send stream takes what names its SSRC.
      if (p.type === "nack" || p.type === "pli") this.sendStreams.get(p.mediaSsrc)?.stream.handleRtcp(p);
      else if (p.type === "fir" || p.type === "sr" || p.type === "rr") {
        for (const { stream } of this.sendStreams.values()) stream.handleRtcp(p);
      }
    }
  }

  private requestKeyframe(t: RtpTransceiver, ok: boolean): void {
    if (!ok) return;
    for (const r of this.routes.values()) if (r.media.transceiver === t) r.stream.requestKeyframe();
  }

  private scheduleRtcp(): void {
    // Randomized 0.5–1.5 × the interval (RFC 3550 §6.3.1), one timer at a time.
    const delay = RTCP_INTERVAL_MS * (0.5 + Math.random());
    this.cancelRtcp = startTimer(this.rtcpTick, delay);
  }

  private readonly rtcpTick = (): void => {
    if (this.closed) return;
    try {
      this.sendReports();
    } catch (error) {
      log("RTCP report failed: %s", (error as Error).message);
    }
    this.scheduleRtcp();
  };

  private sendReports(): void {
    const blocks = [];
    for (const r of this.routes.values()) {
      const b = r.stream.reportBlock();
      if (b && blocks.length < 31) blocks.push(b);
    }
    const packets: RtcpPacket[] = [];
    for (const { stream } of this.sendStreams.values()) {
      // The first SR carries the report blocks (RFC 3550 §6.4.1).
      const sr = stream.senderReport(packets.length === 0 ? blocks : []);
      if (sr) packets.push(sr);
    }
    const first = this.media[0]?.transceiver.sender.ssrc;
    if (packets.length === 0) {
      if (blocks.length === 0 || first === undefined) return;
      packets.push({ type: "rr", ssrc: first, reports: blocks });
    }
    const chunkSsrc = packets[0]!.type === "sr" || packets[0]!.type === "rr" ? packets[0]!.ssrc : first!;
    packets.push({ type: "sdes", chunks: [{ ssrc: chunkSsrc, items: [{ type: 1, value: this.cname }] }] });
    this.sendRtcp(packets);
  }

  /** Per-stream counters for getStats. */
  streams(): { send: SendStream[]; receive: { stream: ReceiveStream; media: NegotiatedMedia }[] } {
    return {
      send: [...this.sendStreams.values()].map((s) => s.stream),
      receive: [...this.routes.values()].map((r) => ({ stream: r.stream, media: r.media })),
    };
  }

  /** The negotiated media of a send stream's SSRC. */
  mediaOf(ssrc: number): NegotiatedMedia | undefined {
    return this.media.find((m) => m.transceiver.sender.ssrc === ssrc);
  }

  /** Stops the RTCP timer, drops streams, histories and buffers. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelRtcp?.();
    this.cancelRtcp = undefined;
    for (const s of this.sendStreams.values()) {
      s.stream.close();
      s.transceiver.sender.link = undefined;
    }
    for (const r of this.routes.values()) {
      r.stream.close();
      r.media.transceiver.receiver.link = undefined;
    }
    this.sendStreams.clear();
    this.routes.clear();
    this.media = [];
  }
}
