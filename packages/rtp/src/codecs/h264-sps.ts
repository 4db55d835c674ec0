import { RtpError } from "../errors.js";
import { BitReader, unescapeRbsp } from "./bit-reader.js";

/** The fields of an H.264 sequence parameter set (ITU-T H.264 §7.3.2.1.1) a receiver needs. */
export interface H264Sps {
  /** profile_idc: 66 Baseline, 77 Main, 100 High, … */
  readonly profileIdc: number;
  /** The constraint_set0..5 flags and reserved bits, as one byte (the middle byte of profile-level-id). */
  readonly constraintFlags: number;
  /** level_idc: 31 for level 3.1, … */
  readonly levelIdc: number;
  readonly spsId: number;
  /** 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4. */
  readonly chromaFormatIdc: number;
  readonly bitDepthLuma: number;
  readonly frameMbsOnly: boolean;
  /** Picture width in pixels, after cropping. */
  readonly width: number;
  /** Picture height in pixels, after cropping. */
  readonly height: number;
  /** The profile-level-id of RFC 6184 §8.1 for this SPS, as 6 lowercase hex digits (e.g. "42e01f"). */
  readonly profileLevelId: string;
}

const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/**
 * Parses an SPS NAL unit (with its 1-byte NAL header) far enough to give the picture size: exp-Golomb fields,
 * scaling lists, picture order count and frame cropping.
 * @throws RtpError `ERR_BAD_BITSTREAM` when the NAL unit is not an SPS or ends early or holds out-of-range values
 */
export function parseH264Sps(nal: Uint8Array): H264Sps {
  if (nal.length < 4 || (nal[0]! & 0x1f) !== 7)
    throw new RtpError("ERR_BAD_BITSTREAM", "not an SPS NAL unit");
  const r = new BitReader(unescapeRbsp(nal.subarray(1)));
  const profileIdc = r.u(8);
  const constraintFlags = r.u(8);
  const levelIdc = r.u(8);
  const spsId = r.ue();
  if (spsId > 31)
    throw new RtpError("ERR_BAD_BITSTREAM", `seq_parameter_set_id ${spsId} > 31 (H.264 §7.4.2.1.1)`);
  let chromaFormatIdc = 1;
  let separateColourPlane = false;
  let bitDepthLuma = 8;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = r.ue();
    if (chromaFormatIdc > 3) throw new RtpError("ERR_BAD_BITSTREAM", `chroma_format_idc ${chromaFormatIdc}`);
    if (chromaFormatIdc === 3) separateColourPlane = r.u1() === 1;
    bitDepthLuma = r.ue() + 8;
    r.ue(); // bit_depth_chroma_minus8
    r.u1(); // qpprime_y_zero_transform_bypass_flag
    if (r.u1()) {
      const lists = chromaFormatIdc === 3 ? 12 : 8;
      for (let i = 0; i < lists; i++) if (r.u1()) skipScalingList(r, i < 6 ? 16 : 64);
    }
  }
  r.ue(); // log2_max_frame_num_minus4
  const pocType = r.ue();
  if (pocType === 0) r.ue();
  else if (pocType === 1) {
    r.u1();
    r.se();
    r.se();
    const cycle = r.ue();
    if (cycle > 255)
      throw new RtpError("ERR_BAD_BITSTREAM", `num_ref_frames_in_pic_order_cnt_cycle ${cycle}`);
    for (let i = 0; i < cycle; i++) r.se();
  } else if (pocType !== 2) throw new RtpError("ERR_BAD_BITSTREAM", `pic_order_cnt_type ${pocType}`);
  r.ue(); // max_num_ref_frames
  r.u1(); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = r.ue() + 1;
  const heightMapUnits = r.ue() + 1;
  const frameMbsOnly = r.u1() === 1;
  if (!frameMbsOnly) r.u1(); // mb_adaptive_frame_field_flag
  r.u1(); // direct_8x8_inference_flag
  let cropLeft = 0;
  let cropRight = 0;
  let cropTop = 0;
  let cropBottom = 0;
  if (r.u1()) {
    cropLeft = r.ue();
    cropRight = r.ue();
    cropTop = r.ue();
    cropBottom = r.ue();
  }
  // Crop units of H.264 §7.4.2.1.1 (equations 7-19 to 7-22).
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
  const subWidthC = chromaFormatIdc === 3 ? 1 : 2;
  const subHeightC = chromaFormatIdc === 1 ? 2 : 1;
  const cropUnitX = chromaArrayType === 0 ? 1 : subWidthC;
  const cropUnitY = (chromaArrayType === 0 ? 1 : subHeightC) * (frameMbsOnly ? 1 : 2);
  const width = widthMbs * 16 - cropUnitX * (cropLeft + cropRight);
  const height = (frameMbsOnly ? 1 : 2) * heightMapUnits * 16 - cropUnitY * (cropTop + cropBottom);
  if (width <= 0 || height <= 0) throw new RtpError("ERR_BAD_BITSTREAM", "cropping exceeds the picture");
  const hex = (v: number) => v.toString(16).padStart(2, "0");
  return {
    profileIdc,
    constraintFlags,
    levelIdc,
    spsId,
    chromaFormatIdc,
    bitDepthLuma,
    frameMbsOnly,
    width,
    height,
    profileLevelId: hex(profileIdc) + hex(constraintFlags) + hex(levelIdc),
  };
}

function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) {
      const delta = r.se();
      next = (last + delta + 256) % 256;
    }
    last = next === 0 ? last : next;
  }
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Parses the `sprop-parameter-sets` fmtp parameter (RFC 6184 §8.1): comma-separated base64 NAL units, usually
 * an SPS and a PPS. Returns the NAL units.
 * @throws RtpError `ERR_BAD_SDP` for an empty item or invalid base64
 */
export function parseSpropParameterSets(value: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const item of value.trim().split(",")) {
    if (!BASE64.test(item) || item.length % 4 === 1)
      throw new RtpError(
        "ERR_BAD_SDP",
        `sprop-parameter-sets item "${item.slice(0, 40)}" is not base64 (RFC 6184 §8.1)`,
      );
    const nal = new Uint8Array(Buffer.from(item, "base64"));
    if (nal.length === 0)
      throw new RtpError("ERR_BAD_SDP", "empty sprop-parameter-sets item (RFC 6184 §8.1)");
    out.push(nal);
  }
  return out;
}

/** Writes NAL units as a `sprop-parameter-sets` value (RFC 6184 §8.1). */
export function formatSpropParameterSets(nalus: readonly Uint8Array[]): string {
  return nalus.map((nal) => Buffer.from(nal.buffer, nal.byteOffset, nal.length).toString("base64")).join(",");
}

/** The H.264 fmtp parameters of RFC 6184 §8.1 this package reads. */
export interface H264Fmtp {
  /** 0 (single NAL unit), 1 (non-interleaved) or 2 (interleaved); 0 when absent. */
  readonly packetizationMode: number;
  /** profile-level-id as 6 lowercase hex digits; "42000a" (the RFC 6184 §8.1 default: Baseline, level 1, level_idc 10) when absent. */
  readonly profileLevelId: string;
  readonly levelAsymmetryAllowed: boolean;
  /** The decoded `sprop-parameter-sets`, or an empty list. */
  readonly parameterSets: readonly Uint8Array[];
}

/**
 * Parses an H.264 `a=fmtp` parameter string such as
 * `packetization-mode=1;profile-level-id=42e01f;sprop-parameter-sets=Z0LgH9oCgL0=,aM4G4g==`.
 * @throws RtpError `ERR_BAD_SDP` for a malformed value
 */
export function parseH264Fmtp(fmtp: string): H264Fmtp {
  let packetizationMode = 0;
  let profileLevelId = "42000a";
  let levelAsymmetryAllowed = false;
  let parameterSets: Uint8Array[] = [];
  for (const part of fmtp.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    const value = part.slice(eq + 1).trim();
    if (key === "packetization-mode") {
      if (!/^[0-2]$/.test(value))
        throw new RtpError("ERR_BAD_SDP", `packetization-mode=${value} (RFC 6184 §8.1)`);
      packetizationMode = Number(value);
    } else if (key === "profile-level-id") {
      if (!/^[0-9a-fA-F]{6}$/.test(value))
        throw new RtpError("ERR_BAD_SDP", `profile-level-id=${value} (RFC 6184 §8.1)`);
      profileLevelId = value.toLowerCase();
    } else if (key === "level-asymmetry-allowed") levelAsymmetryAllowed = value === "1";
    else if (key === "sprop-parameter-sets") parameterSets = parseSpropParameterSets(value);
  }
  return { packetizationMode, profileLevelId, levelAsymmetryAllowed, parameterSets };
}
