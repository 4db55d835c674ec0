import { parameter, type RtpCodec } from "./sdp-media.js";

/**
 * H.264 `profile-level-id` semantics (RFC 6184 §8.1): three bytes,
 * profile_idc, profile-iop (constraint_set0..5 flags) and level_idc. Two
 * offers of the "same" codec can be written differently (42e01f and 42c01f
 * are both Constrained Baseline), so codecs are matched on the profile these
 * bytes name, never on the string.
 */

/** The profiles RFC 6184 §8.1 Table 5 names (and High 4:4:4 Predictive). */
export type H264Profile =
  | "constrained-baseline"
  | "baseline"
  | "main"
  | "extended"
  | "high"
  | "constrained-high"
  | "high-10"
  | "high-422"
  | "high-444";

/** A parsed profile-level-id. `level` is level_idc ×10 (31 = 3.1), and 9 for level 1b. */
export interface H264ProfileLevel {
  profile: H264Profile;
  level: number;
}

// (profile_idc, mask of the iop bits that matter, value they must have).
// From RFC 6184 Table 5: "x" bits are don't-care. Constrained Baseline is
// Baseline (or Main/Extended) with constraint_set1 (and set0/set2) flagged.
const PROFILES: readonly [number, number, number, H264Profile][] = [
  [0x42, 0x4f, 0x40, "constrained-baseline"], // x1xx0000
  [0x4d, 0x8f, 0x80, "constrained-baseline"], // 1xxx0000
  [0x58, 0xcf, 0xc0, "constrained-baseline"], // 11xx0000
  [0x42, 0x4f, 0x00, "baseline"], // x0xx0000
  [0x58, 0xcf, 0x80, "baseline"], // 10xx0000
  [0x4d, 0xaf, 0x00, "main"], // 0x0x0000
  [0x58, 0xcf, 0x00, "extended"], // 00xx0000
  [0x64, 0xff, 0x00, "high"], // 00000000
  [0x64, 0xff, 0x0c, "constrained-high"], // 00001100
  [0x6e, 0xff, 0x00, "high-10"],
  [0x7a, 0xff, 0x00, "high-422"],
  [0xf4, 0xff, 0x00, "high-444"],
];

/** RFC 6184 §8.1: without the parameter, Baseline at level 1 is inferred: level_idc 10 is 0x0a. */
export const DEFAULT_PROFILE_LEVEL_ID = "42000a";

/** Parses a profile-level-id (6 hex digits); undefined when it names no known profile. */
export function parseProfileLevelId(text: string): H264ProfileLevel | undefined {
  if (!/^[0-9A-Fa-f]{6}$/.test(text)) return undefined;
  const value = Number.parseInt(text, 16);
  const profileIdc = value >> 16;
  const iop = (value >> 8) & 0xff;
  const levelIdc = value & 0xff;
  const row = PROFILES.find(([idc, mask, bits]) => idc === profileIdc && (iop & mask) === bits);
  if (!row) return undefined;
  // Level 1b: level_idc 11 with constraint_set3 in Baseline/Main/Extended, or level_idc 9 (RFC 6184 §8.1).
  const oneB =
    levelIdc === 9 ||
    (levelIdc === 11 &&
      (iop & 0x10) !== 0 &&
      (profileIdc === 0x42 || profileIdc === 0x4d || profileIdc === 0x58));
  if (!oneB && !LEVELS.has(levelIdc)) return undefined;
  return { profile: row[3], level: oneB ? 9 : levelIdc };
}

const LEVELS = new Set([10, 11, 12, 13, 20, 21, 22, 30, 31, 32, 40, 41, 42, 50, 51, 52]);

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
