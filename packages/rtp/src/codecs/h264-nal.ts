import { RtpError } from "../errors.js";

/** H.264 NAL unit types this package acts on (ITU-T H.264 Table 7-1, RFC 6184 §5.2). */
export const H264NalType = {
  NonIdrSlice: 1,
  IdrSlice: 5,
  Sei: 6,
  Sps: 7,
  Pps: 8,
  AccessUnitDelimiter: 9,
  EndOfSequence: 10,
  EndOfStream: 11,
  FillerData: 12,
  /** RFC 6184 aggregation packet, single-time, non-interleaved. */
  StapA: 24,
  StapB: 25,
  Mtap16: 26,
  Mtap24: 27,
  /** RFC 6184 fragmentation unit, non-interleaved. */
  FuA: 28,
  FuB: 29,
} as const;

/** The `nal_unit_type` of a NAL unit (its first byte's low 5 bits); -1 for an empty one. */
export function h264NalType(nal: Uint8Array): number {
  return nal.length === 0 ? -1 : nal[0]! & 0x1f;
}

/**
 * Splits an Annex-B byte stream (ITU-T H.264 Annex B) into NAL units at its 3- and 4-byte start codes. The NAL
 * units are views of `bytes` (no copy), without start codes and trailing zero bytes. Bytes before the first
 * start code are ignored; an empty NAL unit is skipped.
 */
export function splitAnnexB(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const n = bytes.length;
  let start = -1;
  let i = 0;
  while (i + 2 < n) {
    // A start code is 00 00 01; the zero before it (4-byte form) is trimmed as a trailing zero below.
    if (bytes[i + 2]! > 1) {
      i += 3;
      continue;
    }
    if (bytes[i] === 0 && bytes[i + 1] === 0 && bytes[i + 2] === 1) {
      if (start >= 0) pushNal(out, bytes, start, i);
      i += 3;
      start = i;
      continue;
    }
    i++;
  }
  if (start >= 0) pushNal(out, bytes, start, n);
  return out;
}

function pushNal(out: Uint8Array[], bytes: Uint8Array, start: number, end: number): void {
  while (end > start && bytes[end - 1] === 0) end--;
  if (end > start) out.push(bytes.subarray(start, end));
}

const START_CODE = new Uint8Array([0, 0, 0, 1]);

/** Joins NAL units into an Annex-B byte stream, each behind a 4-byte start code. */
export function joinAnnexB(nalus: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const nal of nalus) size += 4 + nal.length;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const nal of nalus) {
    out.set(START_CODE, offset);
    out.set(nal, offset + 4);
    offset += 4 + nal.length;
  }
  return out;
}

/**
 * Groups the NAL units of an Annex-B stream (a `.h264` file) into access units, by the rules of ITU-T H.264
 * §7.4.1.2.3: an access unit delimiter, SEI, SPS, PPS or types 14–18 start a new access unit when a slice has
 * been seen, and so does a slice whose `first_mb_in_slice` is 0. Returns one NAL list per access unit, views of
 * `bytes`.
 * @throws RtpError `ERR_BAD_CONTAINER` when the stream has no start code
 */
export function splitH264AccessUnits(bytes: Uint8Array): Uint8Array[][] {
  const nalus = splitAnnexB(bytes);
  if (nalus.length === 0 && bytes.length > 0)
    throw new RtpError("ERR_BAD_CONTAINER", "no Annex-B start code found");
  const units: Uint8Array[][] = [];
  let current: Uint8Array[] = [];
  let sawSlice = false;
  for (const nal of nalus) {
    const type = nal[0]! & 0x1f;
    const isSlice = type >= 1 && type <= 5;
    // first_mb_in_slice is the first ue(v) of the slice header: 0 is coded as a single 1 bit.
    const firstSliceOfPicture = isSlice && nal.length > 1 && (nal[1]! & 0x80) !== 0;
    const opensUnit = type === 6 || type === 7 || type === 8 || type === 9 || (type >= 14 && type <= 18);
    if (sawSlice && (opensUnit || firstSliceOfPicture)) {
      units.push(current);
      current = [];
      sawSlice = false;
    }
    current.push(nal);
    if (isSlice) sawSlice = true;
  }
  if (current.length > 0) units.push(current);
  return units;
}
