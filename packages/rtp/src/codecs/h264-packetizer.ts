import { RtpError } from "../errors.js";
import { H264NalType, splitAnnexB } from "./h264-nal.js";
import type { Payloader } from "./payloader.js";

/** Options of {@link H264Payloader}. */
export interface H264PayloaderOptions {
  /** SPS and PPS known from the start (for example the encoder's extradata), sent ahead of an IDR lacking them. */
  parameterSets?: readonly Uint8Array[];
  /** Drop access unit delimiters and filler data (they carry nothing a receiver needs). Default false. */
  dropDelimiters?: boolean;
}

/**
 * The H.264 packetizer of RFC 6184 in packetization mode 1 (non-interleaved): NAL units that fit go alone
 * (single NAL unit packets, §5.6) or, when several small ones fit together, in a STAP-A (§5.7.1); larger ones
 * are cut into FU-A fragments of near-equal size (§5.8). The latest SPS and PPS seen (in-band or given) are sent
 * ahead of every IDR access unit that lacks them, so a receiver can start at any key frame.
 */
export class H264Payloader implements Payloader {
  private sps: Uint8Array | undefined;
  private pps: Uint8Array | undefined;
  private readonly dropDelimiters: boolean;

  constructor(options: H264PayloaderOptions = {}) {
    this.dropDelimiters = options.dropDelimiters ?? false;
    for (const nal of options.parameterSets ?? []) this.remember(nal);
  }

  /**
   * Cuts an access unit (Annex-B bytes, or a list of NAL units without start codes) into RTP payloads.
   * @throws RtpError `ERR_INVALID_ARGUMENT` when `maxPayloadSize` is below 3 bytes (an FU-A needs 2 + 1)
   */
  payload(frame: Uint8Array | readonly Uint8Array[], maxPayloadSize: number): Uint8Array[] {
    if (!Number.isInteger(maxPayloadSize) || maxPayloadSize < 3)
      throw new RtpError("ERR_INVALID_ARGUMENT", `payload budget ${maxPayloadSize} < 3 bytes`);
    const input = frame instanceof Uint8Array ? splitAnnexB(frame) : frame;
    let hasIdr = false;
    let hasSps = false;
    let hasPps = false;
    for (const nal of input) {
      const type = nal.length > 0 ? nal[0]! & 0x1f : -1;
      if (type === H264NalType.IdrSlice) hasIdr = true;
      else if (type === H264NalType.Sps) hasSps = true;
      else if (type === H264NalType.Pps) hasPps = true;
    }
    const nalus: Uint8Array[] = [];
    if (hasIdr && !hasSps && this.sps) nalus.push(this.sps);
    if (hasIdr && !hasPps && this.pps) nalus.push(this.pps);
    for (const nal of input) {
      if (nal.length === 0) continue;
      const type = nal[0]! & 0x1f;
      if (
        this.dropDelimiters &&
        (type === H264NalType.AccessUnitDelimiter || type === H264NalType.FillerData)
      )
        continue;
      this.remember(nal);
      nalus.push(nal);
    }
    const out: Uint8Array[] = [];
    let i = 0;
    while (i < nalus.length) {
      const nal = nalus[i]!;
      if (nal.length > maxPayloadSize) {
        fragment(nal, maxPayloadSize, out);
        i++;
        continue;
      }
      // Aggregate the run of following NAL units that fit in one STAP-A with this one.
      let size = 1 + 2 + nal.length;
      let j = i + 1;
      while (j < nalus.length && size + 2 + nalus[j]!.length <= maxPayloadSize)
        size += 2 + nalus[j++]!.length;
      if (j - i === 1) out.push(nal);
      else out.push(aggregate(nalus, i, j, size));
      i = j;
    }
    return out;
  }

  private remember(nal: Uint8Array): void {
    const type = nal.length > 0 ? nal[0]! & 0x1f : -1;
    // Copied: the caller may reuse the frame's buffer.
    if (type === H264NalType.Sps)
      this.sps = new Uint8Array(nal); // a copy even of a Buffer (whose slice() is a view)
    else if (type === H264NalType.Pps) this.pps = new Uint8Array(nal);
  }
}

/** STAP-A of nalus[from..to) (RFC 6184 §5.7.1): F is the OR and NRI the maximum of the aggregated units'. */
function aggregate(nalus: readonly Uint8Array[], from: number, to: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let f = 0;
  let nri = 0;
  let offset = 1;
  for (let k = from; k < to; k++) {
    const nal = nalus[k]!;
    f |= nal[0]! & 0x80;
    nri = Math.max(nri, nal[0]! & 0x60);
    out[offset] = nal.length >>> 8;
    out[offset + 1] = nal.length & 0xff;
    out.set(nal, offset + 2);
    offset += 2 + nal.length;
  }
  out[0] = f | nri | H264NalType.StapA;
  return out;
}

/** FU-A fragments of one NAL unit (RFC 6184 §5.8), of near-equal sizes so no runt packet trails. */
function fragment(nal: Uint8Array, maxPayloadSize: number, out: Uint8Array[]): void {
  const indicator = (nal[0]! & 0xe0) | H264NalType.FuA;
  const type = nal[0]! & 0x1f;
  const body = nal.length - 1;
  const count = Math.ceil(body / (maxPayloadSize - 2));
  const chunk = Math.ceil(body / count);
  for (let k = 0, offset = 1; k < count; k++, offset += chunk) {
    const end = Math.min(nal.length, offset + chunk);
    const payload = Buffer.allocUnsafe(2 + end - offset); // pooled; every byte is written
    payload[0] = indicator;
    payload[1] = (k === 0 ? 0x80 : 0) | (k === count - 1 ? 0x40 : 0) | type;
    payload.set(nal.subarray(offset, end), 2);
    out.push(payload);
  }
}
