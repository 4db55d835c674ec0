import type { Stats, StatsReport } from "../stats.js";
import { codecParameters } from "./codecs.js";
import type { MediaTransport } from "./media-transport.js";
import type { RtpCodec } from "./sdp-media.js";

function codecStats(report: StatsReport, kind: string, codec: RtpCodec, now: number): string {
  const id = `CIT01_${codec.payloadType}`;
  if (report.has(id)) return id;
  const p = codecParameters(kind, codec);
  const s: Stats = {
    id,
    type: "codec",
    timestamp: now,
    transportId: "T01",
    payloadType: p.payloadType,
    mimeType: p.mimeType,
    clockRate: p.clockRate,
  };
  if (p.channels !== undefined) s.channels = p.channels;
  if (p.sdpFmtpLine !== undefined) s.sdpFmtpLine = p.sdpFmtpLine;
  report.set(id, s);
  return id;
}

/**
 * Adds webrtc-stats' `outbound-rtp` (one per sending SSRC, with its
 * `remote-inbound-rtp` once the peer's reports give an RTT), `inbound-rtp`
 * (one per remote SSRC received) and the `codec` reports they name.
 */
export function addMediaStats(report: StatsReport, transport: MediaTransport | undefined): void {
  if (!transport) return;
  const now = performance.timeOrigin + performance.now();
  const { send, receive } = transport.streams();
  for (const stream of send) {
    const media = transport.mediaOf(stream.ssrc);
    const kind = media?.transceiver.kind ?? "video";
    const c = stream.counters;
    const id = `OT01${kind === "audio" ? "A" : "V"}${stream.ssrc}`;
    report.set(id, {
      id,
      type: "outbound-rtp",
      timestamp: now,
      ssrc: stream.ssrc,
      kind,
      transportId: "T01",
      codecId: codecStats(report, kind, stream.codec, now),
      ...(media ? { mid: media.mid } : {}),
      packetsSent: c.packetsSent,
      bytesSent: c.bytesSent,
      headerBytesSent: c.headerBytesSent,
      retransmittedPacketsSent: c.retransmittedPacketsSent,
      retransmittedBytesSent: c.retransmittedBytesSent,
      framesSent: c.framesSent,
      keyFramesSent: c.keyFramesSent,
      nackCount: c.nackCount,
      pliCount: c.pliCount,
      firCount: c.firCount,
    });
    if (c.roundTripTime !== undefined) {
      // The peer's report block about this stream gave an RTT (RFC 3550 §6.4.1 LSR/DLSR).
      const remoteId = `RI${id}`;
      report.set(remoteId, {
        id: remoteId,
        type: "remote-inbound-rtp",
        timestamp: now,
        ssrc: stream.ssrc,
        kind,
        transportId: "T01",
        localId: id,
        roundTripTime: c.roundTripTime,
      });
    }
  }
  for (const { stream, media } of receive) {
    const kind = media.transceiver.kind;
    const c = stream.counters;
    const id = `IT01${kind === "audio" ? "A" : "V"}${stream.ssrc}`;
    const codec = media.codecs[0];
    report.set(id, {
      id,
      type: "inbound-rtp",
      timestamp: now,
      ssrc: stream.ssrc,
      kind,
      transportId: "T01",
      mid: media.mid,
      trackIdentifier: media.transceiver.receiver.track.id,
      ...(codec ? { codecId: codecStats(report, kind, codec, now) } : {}),
      packetsReceived: c.packetsReceived,
      bytesReceived: c.bytesReceived,
      headerBytesReceived: c.headerBytesReceived,
      packetsLost: c.packetsLost,
      framesReceived: c.framesReceived,
      keyFramesReceived: c.keyFramesReceived,
      nackCount: c.nackCount,
      pliCount: c.pliCount,
      firCount: c.firCount,
    });
  }
}
