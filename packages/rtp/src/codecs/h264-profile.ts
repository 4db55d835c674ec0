import { RtpError } from "../errors.js";
import { parseH264Fmtp } from "./h264-sps.js";

/** H.264 profiles a WebRTC endpoint negotiates (ITU-T H.264 Annex A). */
export type H264Profile =
  | "constrained-baseline"
  | "baseline"
  | "main"
  | "extended"
  | "high"
  | "constrained-high"
  | "high-10"
  | "high-422"
  | "high-444-predictive";

/** The meaning of a `profile-level-id` (RFC 6184 §8.1). */
export interface H264ProfileLevel {
  readonly profile: H264Profile;
  /** level_idc (31 = level 3.1); 0 for level 1b (coded as level_idc 11 with constraint_set3, or 9; H.264 §A.3.1). */
  readonly level: number;
}

// profile_idc, the constraint-flags byte as a pattern (x = either), the profile. The flags decide: a Baseline
// stream with constraint_set1 is Constrained Baseline, and so is a Main or Extended one with the matching flags
// (H.264 §A.2.1.1, A.2.2, A.2.3).
const PATTERNS: readonly [number, string, H264Profile][] = [
  [0x42, "x1xx0000", "constrained-baseline"],
  [0x4d, "1xxx0000", "constrained-baseline"],
  [0x58, "11xx0000", "constrained-baseline"],
  [0x42, "x0xx0000", "baseline"],
  [0x58, "10xx0000", "baseline"],
  [0x58, "00xx0000", "extended"],
  [0x4d, "0x0x0000", "main"],
  [0x64, "00000000", "high"],
  [0x64, "00001100", "constrained-high"],
  [0x6e, "00000000", "high-10"],
  [0x7a, "00000000", "high-422"],
  [0xf4, "00000000", "high-444-predictive"],
];

function matches(flags: number, pattern: string): boolean {
  for (let bit = 0; bit < 8; bit++) {
    const want = pattern[bit];
    if (want !== "x" && ((flags >> (7 - bit)) & 1) !== Number(want)) return false;
  }
  return true;
}

// level_idc values H.264 Table A-1 defines (1b has its own codings, below).
const LEVELS = new Set([10, 11, 12, 13, 20, 21, 22, 30, 31, 32, 40, 41, 42, 50, 51, 52]);

/**
 * Reads a `profile-level-id` (6 hex digits, RFC 6184 §8.1). Returns undefined for a profile outside the table
 * or a level H.264 does not define (neither can be negotiated).
 * @throws RtpError `ERR_BAD_SDP` when the value is not 6 hex digits
 */
export function parseH264ProfileLevelId(hex: string): H264ProfileLevel | undefined {
  if (!/^[0-9a-fA-F]{6}$/.test(hex))
    throw new RtpError("ERR_BAD_SDP", `profile-level-id=${hex} (RFC 6184 §8.1)`);
  const value = Number.parseInt(hex, 16);
  const profileIdc = value >>> 16;
  const flags = (value >>> 8) & 0xff;
  const levelIdc = value & 0xff;
  const entry = PATTERNS.find(([idc, pattern]) => idc === profileIdc && matches(flags, pattern));
  if (!entry) return undefined;
  const profile = entry[2];
  // Level 1b: level_idc 11 with constraint_set3 in the Baseline family, Main and Extended, or level_idc 9 in
  // the High profiles (H.264 §A.3.1, RFC 6184 §8.1).
  const oneB =
    levelIdc === 9 ||
    (levelIdc === 11 &&
      (flags & 0x10) !== 0 &&
      (profileIdc === 0x42 || profileIdc === 0x4d || profileIdc === 0x58));
  if (!oneB && !LEVELS.has(levelIdc)) return undefined;
  return { profile, level: oneB ? 0 : levelIdc };
}

/**
 * Whether two H.264 fmtp lines describe the same codec for negotiation: the same profile (by the meaning of
 * profile-level-id, not its string; levels may differ, RFC 6184 §8.2.2) and the same packetization mode.
 */
export function isSameH264Codec(fmtpA: string, fmtpB: string): boolean {
  try {
    const a = parseH264Fmtp(fmtpA);
    const b = parseH264Fmtp(fmtpB);
    if (a.packetizationMode !== b.packetizationMode) return false;
    const pa = parseH264ProfileLevelId(a.profileLevelId);
    const pb = parseH264ProfileLevelId(b.profileLevelId);
    return pa !== undefined && pb !== undefined && pa.profile === pb.profile;
  } catch (error) {
    if (error instanceof RtpError) return false;
    throw error;
  }
}
