import { type H264Profile, type H264ProfileLevel, parseH264ProfileLevelId, RtpError } from "@purertc/rtp";
import { parameter, type RtpCodec } from "./sdp-media.js";

export type { H264Profile, H264ProfileLevel };

/*
 * H.264 in SDP offers and answers: codec entries are matched on the profile
 * their profile-level-id names (RFC 6184 §8.1; 42e01f and 42c01f are both
 * Constrained Baseline), never on the string. The meaning of the three
 * bytes is @purertc/rtp's (one table for the stack).
 */

/** RFC 6184 §8.1: without the parameter, Baseline at level 1 is inferred: level_idc 10 is 0x0a. */
export const DEFAULT_PROFILE_LEVEL_ID = "42000a";

/**
 * Parses a profile-level-id (6 hex digits): @purertc/rtp's
 * `parseH264ProfileLevelId`, with undefined (not an error) for text that is
 * not 6 hex digits, as a remote offer may carry anything.
 */
export function parseProfileLevelId(text: string): H264ProfileLevel | undefined {
  try {
    return parseH264ProfileLevelId(text);
  } catch (error) {
    if (error instanceof RtpError) return undefined;
    throw error;
  }
}

/** The profile and level of an H.264 codec entry (the RFC default when the parameter is absent). */
export function h264ProfileOf(codec: Pick<RtpCodec, "parameters">): H264ProfileLevel | undefined {
  return parseProfileLevelId(parameter(codec, "profile-level-id") ?? DEFAULT_PROFILE_LEVEL_ID);
}

/** packetization-mode (RFC 6184 §8.1), 0 when absent. */
export function packetizationMode(codec: Pick<RtpCodec, "parameters">): number {
  const mode = parameter(codec, "packetization-mode");
  return mode === undefined || mode === "" ? 0 : Number(mode);
}

/**
 * Same H.264 format (RFC 6184 §8.2.2)? Equal profiles and packetization
 * modes; levels may differ (the answer states its own level, or with
 * level-asymmetry-allowed each side its own).
 */
export function sameH264Format(a: Pick<RtpCodec, "parameters">, b: Pick<RtpCodec, "parameters">): boolean {
  const pa = h264ProfileOf(a);
  const pb = h264ProfileOf(b);
  return (
    pa !== undefined &&
    pb !== undefined &&
    pa.profile === pb.profile &&
    packetizationMode(a) === packetizationMode(b)
  );
}

/**
 * The profile-level-id an answer writes for an offered H.264 codec: the
 * offer's own. purertc neither encodes nor decodes, so it can carry any
 * level; stating the offer's level keeps the two symmetric (RFC 6184 §8.2.2).
 */
export function answerProfileLevelId(offered: Pick<RtpCodec, "parameters">): string {
  return (parameter(offered, "profile-level-id") ?? DEFAULT_PROFILE_LEVEL_ID).toLowerCase();
}
