import { RtpError } from "../errors.js";
import type { RtpPacket } from "../packet.js";
import {
  type DepacketizerStats,
  type MediaFrame,
  NO_FRAMES,
  newStats,
  RESTART_DISTANCE,
  sequenceDelta,
} from "./frame.js";
import { H264NalType } from "./h264-nal.js";
import { type H264Sps, parseH264Sps } from "./h264-sps.js";

/** An H.264 access unit reassembled from RTP (RFC 6184). */
export interface H264Frame extends MediaFrame {
  /** The access unit in Annex-B form: every NAL unit behind a 4-byte start code 00 00 00 01. */
  readonly data: Uint8Array;
  /** The NAL units without start codes, in decoding order: views of `data` (no second copy). */
  readonly nalus: readonly Uint8Array[];
  /** True when the access unit holds an IDR slice (NAL type 5). */
  readonly keyframe: boolean;
  /** The SPS of the access unit, parsed, when it holds one (width and height for a `source` event). */
  readonly sps: H264Sps | undefined;
}

/** Options of {@link H264Depacketizer}. */
export interface H264DepacketizerOptions {
  /** Drop access units with lost or malformed packets instead of returning them with `complete: false`. Default true. */
  dropIncomplete?: boolean;
  /** Drop access units until the first IDR one (a viewer joining a stream). Default false. */
  waitForKeyframe?: boolean;
  /**
   * After a loss, drop access units until the next complete IDR one: what follows a lost frame references it,
   * so a file writer or a relay without key frame requests gets only decodable frames. Default false.
   */
  waitForKeyframeAfterLoss?: boolean;
  /**
   * Out-of-band SPS and PPS (from `sprop-parameter-sets`, see {@link parseSpropParameterSets}), put ahead of an
   * IDR access unit that lacks them; the latest in-band ones replace them as they arrive.
   */
  parameterSets?: readonly Uint8Array[];
  /** Put the known SPS/PPS ahead of an IDR access unit that lacks them. Default true. */
  insertParameterSets?: boolean;
  /** Bound on an access unit's size; a larger one is dropped. Default 8 MiB. */
  maxFrameBytes?: number;
}

const START_CODE_LENGTH = 4;

/**
 * Reassembles H.264 access units from RTP packets in packetization mode 0 or 1 (RFC 6184 §6.2–6.3: single NAL
 * unit, STAP-A, FU-A). Feed it packets in sequence order (after a reorder buffer); an access unit ends at the
 * marker bit or, when that packet was lost, at the next timestamp. Loss is seen in sequence gaps: the access
 * units it touches are marked incomplete (and dropped by default) and {@link keyframeNeeded} turns true until a
 * complete IDR arrives, which is when a receiver sends a PLI.
 *
 * `push` never throws on payload content: malformed packets are counted and damage their access unit.
 *
 * @example
 * ```ts
 * const depacketizer = new H264Depacketizer();
 * for (const frame of depacketizer.push(parseRtpPacket(datagram))) file.write(frame.data);
 * ```
 */
export class H264Depacketizer {
  /** Counters: packets, lost, malformed, frames, dropped. */
  readonly stats: DepacketizerStats = newStats();
  private readonly dropIncomplete: boolean;
  private readonly insertParameterSets: boolean;
  private readonly maxFrameBytes: number;
  private waitingForFirstKeyframe: boolean;
  private readonly waitAfterLoss: boolean;
  private needKeyframe = false;
  private lastSequence = -1;
  private buffer = new Uint8Array(64 * 1024);
  private length = 0;
  /** Start offsets (of the NAL header, after its start code) and end offsets of finished NAL units. */
  private readonly nalBounds: number[] = [];
  private timestamp = 0;
  private started = false;
  private damaged = false;
  /** Offset of the start code of the FU-A NAL unit being reassembled, or -1. */
  private fragmentStart = -1;
  /** A gap came right before this access unit: its first slice must start the picture (first_mb_in_slice 0). */
  private headMayBeLost = false;
  private sps: Uint8Array | undefined;
  private pps: Uint8Array | undefined;
  private lastSpsInfo: H264Sps | undefined;

  constructor(options: H264DepacketizerOptions = {}) {
    this.dropIncomplete = options.dropIncomplete ?? true;
    this.waitingForFirstKeyframe = options.waitForKeyframe ?? false;
    this.waitAfterLoss = options.waitForKeyframeAfterLoss ?? false;
    this.insertParameterSets = options.insertParameterSets ?? true;
    this.maxFrameBytes = options.maxFrameBytes ?? 8 * 1024 * 1024;
    for (const nal of options.parameterSets ?? []) this.rememberParameterSet(new Uint8Array(nal));
  }

  /** True after a loss until a complete IDR access unit has been returned: time to ask for a key frame (PLI). */
  get keyframeNeeded(): boolean {
    return this.needKeyframe;
  }

  /** The latest SPS seen (in-band or given as a parameter set), parsed. */
  get currentSps(): H264Sps | undefined {
    return this.lastSpsInfo;
  }

  /**
   * Takes the next packet (in sequence order) and returns the access units it completes: usually none or one;
   * two when a timestamp change closes an access unit whose marker packet was lost and the new packet is
   * itself a complete access unit.
   */
  push(packet: RtpPacket): readonly H264Frame[] {
    const stats = this.stats;
    stats.packets++;
    let out: H264Frame[] | undefined;
    if (this.lastSequence >= 0) {
      const delta = sequenceDelta(packet.sequenceNumber, this.lastSequence);
      if (delta < -RESTART_DISTANCE) this.restart();
      else if (delta <= 0) {
        stats.packetsDiscarded++;
        return NO_FRAMES;
      }
      if (delta > 1) {
        stats.packetsLost += delta - 1;
        this.needKeyframe = true;
        if (this.started) {
          // The lost packets ended the pending access unit, or belong to it and to the next one.
          if (packet.timestamp !== this.timestamp) out = this.emit(out, true);
          else this.damaged = true;
        }
        // Lost packets may also have opened the access unit this packet belongs to: checked when it ends.
        this.headMayBeLost = true;
      }
    }
    this.lastSequence = packet.sequenceNumber;
    // A padding-only packet (Chromium's bandwidth probes when RTX is not negotiated) carries no media.
    if (packet.payload.length === 0) return out ?? NO_FRAMES;
    if (this.started && packet.timestamp !== this.timestamp) out = this.emit(out, false);
    if (!this.started) {
      this.started = true;
      this.timestamp = packet.timestamp;
    }
    if (!this.readPayload(packet.payload)) {
      stats.packetsMalformed++;
      this.damaged = true;
    }
    if (packet.marker) out = this.emit(out, false);
    return out ?? NO_FRAMES;
  }

  /** Returns the pending access unit, if any (end of stream); it is incomplete when its marker never came. */
  flush(): readonly H264Frame[] {
    if (!this.started) return NO_FRAMES;
    this.damaged = true;
    return this.emit(undefined, false) ?? NO_FRAMES;
  }

  /** Forgets the pending access unit and the sequence state (a new source); keeps the parameter sets. */
  reset(): void {
    this.clearUnit();
    this.lastSequence = -1;
  }

  /** The source restarted far behind: the pending access unit is dropped and a key frame awaited. */
  private restart(): void {
    if (this.started) this.stats.framesDropped++;
    this.clearUnit();
    this.needKeyframe = true;
  }

  private readPayload(payload: Uint8Array): boolean {
    if (payload.length === 0) return false;
    const type = payload[0]! & 0x1f;
    if (type >= 1 && type <= 23) return this.appendNal(payload);
    if (type === H264NalType.StapA) {
      let i = 1;
      while (i < payload.length) {
        if (i + 2 > payload.length) return false;
        const size = (payload[i]! << 8) | payload[i + 1]!;
        i += 2;
        if (size === 0 || i + size > payload.length) return false;
        if (!this.appendNal(payload.subarray(i, i + size))) return false;
        i += size;
      }
      return i > 1;
    }
    if (type === H264NalType.FuA) return this.readFuA(payload);
    return false; // 0, 30, 31 undefined; STAP-B, MTAP and FU-B need interleaved mode (unsupported)
  }

  private readFuA(payload: Uint8Array): boolean {
    if (payload.length < 3) return false;
    const header = payload[1]!;
    const start = (header & 0x80) !== 0;
    const end = (header & 0x40) !== 0;
    if (start) {
      if (this.fragmentStart >= 0) this.abandonFragment();
      if (!this.reserve(START_CODE_LENGTH + 1 + payload.length - 2)) return true;
      this.fragmentStart = this.length;
      this.writeStartCode();
      this.buffer[this.length++] = (payload[0]! & 0xe0) | (header & 0x1f);
    } else if (this.fragmentStart < 0) {
      this.damaged = true; // a middle or end fragment whose start was lost
      return true;
    }
    const body = payload.subarray(2);
    if (!this.reserve(body.length)) return true;
    this.buffer.set(body, this.length);
    this.length += body.length;
    if (end) {
      this.nalBounds.push(this.fragmentStart + START_CODE_LENGTH, this.length);
      this.noteNal(this.fragmentStart + START_CODE_LENGTH);
      this.fragmentStart = -1;
    }
    return true;
  }

  private appendNal(nal: Uint8Array): boolean {
    if (this.fragmentStart >= 0) this.abandonFragment();
    if (!this.reserve(START_CODE_LENGTH + nal.length)) return true;
    this.writeStartCode();
    const start = this.length;
    this.buffer.set(nal, start);
    this.length += nal.length;
    this.nalBounds.push(start, this.length);
    this.noteNal(start);
    return true;
  }

  private noteNal(start: number): void {
    const type = this.buffer[start]! & 0x1f;
    if (type === H264NalType.Sps || type === H264NalType.Pps) {
      this.rememberParameterSet(this.buffer.slice(start, this.length));
    }
  }

  private rememberParameterSet(nal: Uint8Array): void {
    const type = nal.length > 0 ? nal[0]! & 0x1f : -1;
    if (type === H264NalType.Sps) {
      this.sps = nal;
      try {
        this.lastSpsInfo = parseH264Sps(nal);
      } catch (error) {
        if (!(error instanceof RtpError)) throw error;
      }
    } else if (type === H264NalType.Pps) this.pps = nal;
  }

  private writeStartCode(): void {
    const b = this.buffer;
    b[this.length] = 0;
    b[this.length + 1] = 0;
    b[this.length + 2] = 0;
    b[this.length + 3] = 1;
    this.length += START_CODE_LENGTH;
  }

  /** A fragmented NAL unit that never got its end fragment: cut it off. */
  private abandonFragment(): void {
    this.length = this.fragmentStart;
    this.fragmentStart = -1;
    this.damaged = true;
  }

  /** Makes room for `extra` bytes; false (and the unit damaged) past the size bound. */
  private reserve(extra: number): boolean {
    const needed = this.length + extra;
    if (needed <= this.buffer.length) return true;
    if (needed > this.maxFrameBytes) {
      this.damaged = true;
      this.length = this.fragmentStart >= 0 ? this.fragmentStart : this.length;
      this.fragmentStart = -1;
      return false;
    }
    const grown = new Uint8Array(Math.min(this.maxFrameBytes, Math.max(needed, this.buffer.length * 2)));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
    return true;
  }

  private emit(out: H264Frame[] | undefined, forceDamaged: boolean): H264Frame[] | undefined {
    if (this.fragmentStart >= 0) this.abandonFragment();
    const bounds = this.nalBounds;
    const timestamp = this.timestamp;
    const stats = this.stats;
    if (bounds.length === 0) {
      if (this.damaged || forceDamaged) {
        this.needKeyframe = true;
        stats.framesDropped++; // nothing usable was left of it
      }
      this.clearUnit();
      return out;
    }
    let keyframe = false;
    let hasSps = false;
    let hasPps = false;
    let sawSlice = false;
    let damaged = this.damaged || forceDamaged;
    for (let i = 0; i < bounds.length; i += 2) {
      const start = bounds[i]!;
      const type = this.buffer[start]! & 0x1f;
      if (type >= 1 && type <= 5 && !sawSlice) {
        sawSlice = true;
        // first_mb_in_slice, the first ue(v) of the slice header, is 0 (a single 1 bit) in a picture's first slice.
        if (this.headMayBeLost && (bounds[i + 1]! - start < 2 || (this.buffer[start + 1]! & 0x80) === 0))
          damaged = true;
      }
      if (type === H264NalType.IdrSlice) keyframe = true;
      else if (type === H264NalType.Sps) hasSps = true;
      else if (type === H264NalType.Pps) hasPps = true;
    }
    if (damaged) this.needKeyframe = true;
    const waiting = this.waitingForFirstKeyframe || (this.waitAfterLoss && this.needKeyframe);
    if ((damaged && this.dropIncomplete) || (waiting && !(keyframe && !damaged))) {
      stats.framesDropped++;
      this.clearUnit();
      return out;
    }
    // Parameter sets to put ahead of an IDR access unit that came without them.
    const prefix: Uint8Array[] = [];
    if (keyframe && this.insertParameterSets) {
      if (!hasSps && this.sps) prefix.push(this.sps);
      if (!hasPps && this.pps) prefix.push(this.pps);
    }
    let prefixLength = 0;
    for (const nal of prefix) prefixLength += START_CODE_LENGTH + nal.length;
    const data = new Uint8Array(prefixLength + this.length);
    const nalus: Uint8Array[] = [];
    let offset = 0;
    for (const nal of prefix) {
      data[offset + 3] = 1;
      data.set(nal, offset + START_CODE_LENGTH);
      nalus.push(data.subarray(offset + START_CODE_LENGTH, offset + START_CODE_LENGTH + nal.length));
      offset += START_CODE_LENGTH + nal.length;
    }
    data.set(this.buffer.subarray(0, this.length), offset);
    for (let i = 0; i < bounds.length; i += 2)
      nalus.push(data.subarray(offset + bounds[i]!, offset + bounds[i + 1]!));
    const sps = hasSps || (prefix.length > 0 && prefix[0] === this.sps) ? this.lastSpsInfo : undefined;
    if (keyframe && !damaged) {
      this.needKeyframe = false;
      this.waitingForFirstKeyframe = false;
    }
    this.clearUnit();
    stats.frames++;
    const frame: H264Frame = { data, nalus, timestamp, keyframe, complete: !damaged, sps };
    if (out) out.push(frame);
    else out = [frame];
    return out;
  }

  private clearUnit(): void {
    this.length = 0;
    this.nalBounds.length = 0;
    this.started = false;
    this.damaged = false;
    this.headMayBeLost = false;
    this.fragmentStart = -1;
  }
}
