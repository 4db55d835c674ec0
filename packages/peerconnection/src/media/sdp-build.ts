import type { SdpMediaSection, SdpTransportAttributes } from "../sdp/types.js";
import { answerCodecs } from "./codecs.js";
import {
  parseRtpMedia,
  type RtpDirection,
  type RtpHeaderExtension,
  type RtpMediaDescription,
  rtpMediaLines,
} from "./sdp-media.js";
import type { RtpTransceiver } from "./transceiver.js";

/** The MID header extension (RFC 8843 §16.1): the one purertc writes and reads. */
export const MID_EXTENSION_URI = "urn:ietf:params:rtp-hdrext:sdes:mid";
/** Its id in our offers (Chromium's). */
const MID_EXTENSION_ID = 4;

/** The ICE/DTLS attributes every bundled section repeats. */
export type SectionTransport = Pick<
  SdpTransportAttributes,
  "iceUfrag" | "icePwd" | "iceOptions" | "fingerprints" | "setup"
>;

/** What the remote's direction means for us (RFC 3264 §6): sendonly there is recvonly here. */
export function reverseDirection(d: RtpDirection): RtpDirection {
  return d === "sendonly" ? "recvonly" : d === "recvonly" ? "sendonly" : d;
}

/** The direction an answer gives: what we want, limited by what the offer allows (RFC 3264 §6.1). */
export function answerDirection(wanted: RtpDirection, offered: RtpDirection): RtpDirection {
  const allowed = reverseDirection(offered);
  const send = sends(wanted) && sends(allowed);
  const recv = receives(wanted) && receives(allowed);
  return send ? (recv ? "sendrecv" : "sendonly") : recv ? "recvonly" : "inactive";
}

export function sends(d: RtpDirection | "stopped" | null): boolean {
  return d === "sendrecv" || d === "sendonly";
}

export function receives(d: RtpDirection | "stopped" | null): boolean {
  return d === "sendrecv" || d === "recvonly";
}

function section(
  kind: string,
  transport: SectionTransport,
  mid: string,
  rtp: RtpMediaDescription,
): SdpMediaSection {
  return {
    kind,
    port: 9,
    protocol: "UDP/TLS/RTP/SAVPF",
    formats: rtp.codecs.map((c) => String(c.payloadType)),
    connection: { netType: "IN", addrType: "IP4", address: "0.0.0.0" },
    candidates: [],
    endOfCandidates: false,
    ...transport,
    fingerprints: [...transport.fingerprints],
    mid,
    otherLines: rtpMediaLines(rtp),
  };
}

function sendLines(t: RtpTransceiver, direction: RtpDirection, rtp: RtpMediaDescription): void {
  if (!sends(direction)) return;
  // No stream: "-" (JSEP §5.2.1, as browsers write it).
  const streams = t.sender.streams.length ? t.sender.streams : ["-"];
  const cname = t.sender.parameters.rtcp.cname;
  rtp.msids = streams.map((stream) => ({ stream, track: t.sender.trackId }));
  rtp.ssrcs = [
    {
      ssrc: t.sender.ssrc,
      attributes: [
        ["cname", cname],
        ...streams.map((s): [string, string] => ["msid", `${s} ${t.sender.trackId}`]),
      ],
    },
  ];
}

/** An offer's m-section for a transceiver (JSEP §5.2.1): our codecs, MID extension, rtcp-mux and rtcp-rsize. */
export function offerSection(t: RtpTransceiver, mid: string, transport: SectionTransport): SdpMediaSection {
  const direction = t.direction === "stopped" ? "inactive" : t.direction;
  const rtp: RtpMediaDescription = {
    direction,
    codecs: t.preferences.map((c) => structuredClone(c)),
    extensions: [{ id: MID_EXTENSION_ID, uri: MID_EXTENSION_URI }],
    msids: [],
    ssrcs: [],
    ssrcGroups: [],
    rtcpMux: true,
    rtcpRsize: true,
  };
  sendLines(t, direction, rtp);
  const out = section(t.kind, transport, mid, rtp);
  if (t.stopped) out.port = 0;
  return out;
}

/**
 * An answer's m-section for a transceiver (JSEP §5.3.1): the offered codecs
 * purertc carries (offerer's payload types), the offered MID extension
 * (offerer's id), rtcp-mux (required: RFC 8843 bundles only muxed RTCP),
 * rtcp-rsize when offered; undefined when nothing fits (the caller rejects).
 */
export function answerSection(
  t: RtpTransceiver,
  offered: SdpMediaSection,
  transport: SectionTransport,
): SdpMediaSection | undefined {
  if (t.stopped || offered.port === 0 || !/RTP\/S?AVPF?$/i.test(offered.protocol)) return undefined;
  const remote = parseRtpMedia(offered);
  const codecs = answerCodecs(t.kind, remote.codecs, t.preferences, !t.preferencesSet);
  if (codecs.length === 0 || !remote.rtcpMux) return undefined;
  const direction = answerDirection(t.direction as RtpDirection, remote.direction);
  const extensions: RtpHeaderExtension[] = remote.extensions
    .filter((e) => e.uri === MID_EXTENSION_URI)
    .map((e) => ({ id: e.id, uri: e.uri }));
  const rtp: RtpMediaDescription = {
    direction,
    codecs,
    extensions,
    msids: [],
    ssrcs: [],
    ssrcGroups: [],
    rtcpMux: true,
    rtcpRsize: remote.rtcpRsize,
  };
  sendLines(t, direction, rtp);
  return section(t.kind, transport, offered.mid ?? "", rtp);
}
