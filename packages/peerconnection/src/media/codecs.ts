import { answerProfileLevelId, packetizationMode, sameH264Format } from "./h264-profile.js";
import type { RtpCodec } from "./sdp-media.js";

/**
 * The codecs purertc can carry (it packetizes and depacketizes, never
 * encodes): VP8 (RFC 7741), H.264 in packetization-mode 1 (RFC 6184),
 * Opus (RFC 7587) and G.711 PCMU/PCMA (RFC 3551, what IP cameras send), with the feedback it answers: NACK (RFC 4585), PLI and
 * FIR (RFC 5104).
 */

/** The feedback purertc speaks, per video codec. Audio gets none. */
export const VIDEO_FEEDBACK: readonly string[] = ["ccm fir", "nack", "nack pli"];

/** Mime types, as `RTCRtpCodec.mimeType` writes them. */
export type MimeType = "video/VP8" | "video/H264" | "audio/opus" | "audio/PCMU" | "audio/PCMA";

/** A codec as the W3C API shows it (RTCRtpCodec / RTCRtpCodecParameters). */
export interface CodecParameters {
  mimeType: MimeType;
  payloadType: number;
  clockRate: number;
  channels?: number;
  /** The `a=fmtp` line's value, e.g. "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f". */
  sdpFmtpLine?: string;
}

/** What purertc offers, per kind, in preference order (Chromium's payload types). */
export function defaultCodecs(kind: "audio" | "video"): RtpCodec[] {
  if (kind === "audio") {
    return [
      {
        payloadType: 111,
        name: "opus",
        clockRate: 48000,
        channels: 2,
        parameters: [
          ["minptime", "10"],
          ["useinbandfec", "1"],
        ],
        feedback: [],
      },
      // Static payload types (RFC 3551 §6), after Opus as browsers list them.
      { payloadType: 0, name: "PCMU", clockRate: 8000, parameters: [], feedback: [] },
      { payloadType: 8, name: "PCMA", clockRate: 8000, parameters: [], feedback: [] },
    ];
  }
  return [
    { payloadType: 96, name: "VP8", clockRate: 90000, parameters: [], feedback: [...VIDEO_FEEDBACK] },
    {
      payloadType: 102,
      name: "H264",
      clockRate: 90000,
      parameters: [
        ["level-asymmetry-allowed", "1"],
        ["packetization-mode", "1"],
        ["profile-level-id", "42e01f"],
      ],
      feedback: [...VIDEO_FEEDBACK],
    },
  ];
}

/** The mime type of a codec purertc carries, or undefined. */
export function mimeTypeOf(
  kind: string,
  codec: Pick<RtpCodec, "name" | "clockRate" | "channels">,
): MimeType | undefined {
  const name = codec.name.toLowerCase();
  if (kind === "video" && codec.clockRate === 90000) {
    if (name === "vp8") return "video/VP8";
    if (name === "h264") return "video/H264";
  }
  if (kind === "audio" && name === "opus" && codec.clockRate === 48000 && codec.channels === 2)
    return "audio/opus";
  if (kind === "audio" && codec.clockRate === 8000 && (codec.channels ?? 1) === 1) {
    if (name === "pcmu") return "audio/PCMU";
    if (name === "pcma") return "audio/PCMA";
  }
  return undefined;
}

/**
 * Does a remote codec match one of ours? Same mime type; for H.264 the same
 * profile (from profile-level-id's bits, RFC 6184 §8.1) and
 * packetization-mode, which purertc only carries as 1 (FU-A).
 */
export function matches(kind: string, remote: RtpCodec, local: RtpCodec): boolean {
  const mime = mimeTypeOf(kind, remote);
  if (mime === undefined || mime !== mimeTypeOf(kind, local)) return false;
  if (mime === "video/H264") return packetizationMode(remote) === 1 && sameH264Format(remote, local);
  return true;
}

/**
 * The codecs of an answer (JSEP §5.3.1): the offered ones purertc carries,
 * with the offerer's payload types, in `preferences` order when the
 * application set some (setCodecPreferences), else in the offer's order
 * (purertc passes media through and prefers nothing); feedback is the
 * intersection; H.264's fmtp restates the offer's profile-level-id and
 * packetization-mode.
 */
export function answerCodecs(
  kind: "audio" | "video",
  offered: readonly RtpCodec[],
  preferences: readonly RtpCodec[],
  offerOrder = false,
): RtpCodec[] {
  const out: RtpCodec[] = [];
  const add = (remote: RtpCodec, local: RtpCodec) => {
    if (!matches(kind, remote, local) || out.some((c) => c.payloadType === remote.payloadType)) return;
    out.push(answerCodec(kind, remote, local));
  };
  if (offerOrder) for (const remote of offered) for (const local of preferences) add(remote, local);
  else for (const local of preferences) for (const remote of offered) add(remote, local);
  return out;
}

/** `codecs` ordered by `preferences` (those matching none keep their place at the end). */
export function orderByPreference(
  kind: string,
  codecs: readonly RtpCodec[],
  preferences: readonly RtpCodec[],
): RtpCodec[] {
  const rank = (c: RtpCodec) => {
    const i = preferences.findIndex((p) => matches(kind, c, p));
    return i < 0 ? preferences.length : i;
  };
  return [...codecs].sort((x, y) => rank(x) - rank(y));
}

function answerCodec(kind: string, remote: RtpCodec, local: RtpCodec): RtpCodec {
  const feedback = remote.feedback.filter((fb) => local.feedback.includes(fb));
  const codec: RtpCodec = {
    payloadType: remote.payloadType,
    name: remote.name,
    clockRate: remote.clockRate,
    parameters: [],
    feedback,
  };
  if (remote.channels !== undefined) codec.channels = remote.channels;
  if (mimeTypeOf(kind, remote) === "video/H264") {
    codec.parameters = [
      ["level-asymmetry-allowed", "1"],
      ["packetization-mode", "1"],
      ["profile-level-id", answerProfileLevelId(remote)],
    ];
  } else {
    codec.parameters = local.parameters.map(([k, v]) => [k, v]);
  }
  return codec;
}

/**
 * The codecs an answer to our offer leaves us (the answer's, which must be
 * a subset of our offer with our payload types; JSEP §5.10): those we carry.
 */
export function negotiatedCodecs(
  kind: "audio" | "video",
  answered: readonly RtpCodec[],
  offered: readonly RtpCodec[],
): RtpCodec[] {
  return answered.filter((remote) => offered.some((local) => matches(kind, remote, local)));
}

/** The W3C view of a negotiated codec. */
export function codecParameters(kind: string, codec: RtpCodec): CodecParameters {
  const out: CodecParameters = {
    mimeType: mimeTypeOf(kind, codec)!,
    payloadType: codec.payloadType,
    clockRate: codec.clockRate,
  };
  if (codec.channels !== undefined) out.channels = codec.channels;
  if (codec.parameters.length)
    out.sdpFmtpLine = codec.parameters.map(([k, v]) => (v === "" ? k : `${k}=${v}`)).join(";");
  return out;
}
