import { randomInt } from "node:crypto";
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
import type { Payloader } from "./payloader.js";
import { parseVp8Descriptor, parseVp8FrameHeader } from "./vp8-descriptor.js";

/** Options of {@link Vp8Payloader}. */
export interface Vp8PayloaderOptions {
  /** Send a 15-bit picture ID (RFC 7741 §4.2), which receivers use to see lost frames. Default true. */
  pictureId?: boolean;
  /** First picture ID. Default random. */
  initialPictureId?: number;
}

/**
 * The VP8 packetizer of RFC 7741: the frame is cut into near-equal chunks, each behind a payload descriptor
 * with S set on the first and (by default) the 15-bit picture ID on all, incremented per frame.
 */
export class Vp8Payloader implements Payloader {
  /** The picture ID the next frame gets. */
  pictureId: number;
  private readonly withPictureId: boolean;

  constructor(options: Vp8PayloaderOptions = {}) {
    this.withPictureId = options.pictureId ?? true;
    this.pictureId = (options.initialPictureId ?? randomInt(0, 0x8000)) & 0x7fff;
  }

  /**
   * Cuts one VP8 frame into RTP payloads.
   * @throws RtpError `ERR_INVALID_ARGUMENT` for an empty frame or a budget that leaves no room for data
   */
  payload(frame: Uint8Array | readonly Uint8Array[], maxPayloadSize: number): Uint8Array[] {
    const data = frame instanceof Uint8Array ? frame : concat(frame);
    if (data.length === 0) throw new RtpError("ERR_INVALID_ARGUMENT", "empty VP8 frame");
    const header = this.withPictureId ? 4 : 1;
    const room = maxPayloadSize - header;
    if (room < 1)
      throw new RtpError("ERR_INVALID_ARGUMENT", `payload budget ${maxPayloadSize} too small for VP8`);
    const count = Math.ceil(data.length / room);
    const chunk = Math.ceil(data.length / count);
    const out: Uint8Array[] = [];
    for (let k = 0, offset = 0; k < count; k++, offset += chunk) {
      const end = Math.min(data.length, offset + chunk);
      const payload = Buffer.allocUnsafe(header + end - offset); // pooled; every byte is written
      payload[0] = (this.withPictureId ? 0x80 : 0) | (k === 0 ? 0x10 : 0);
      if (this.withPictureId) {
        payload[1] = 0x80; // I
        payload[2] = 0x80 | (this.pictureId >> 8);
        payload[3] = this.pictureId & 0xff;
      }
      payload.set(data.subarray(offset, end), header);
      out.push(payload);
    }
    this.pictureId = (this.pictureId + 1) & 0x7fff;
    return out;
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** A VP8 frame reassembled from RTP. */
export interface Vp8Frame extends MediaFrame {
  /** Width from the key frame header; undefined for inter frames. */
  readonly width: number | undefined;
  readonly height: number | undefined;
  /** The picture ID of the descriptor, when sent. */
  readonly pictureId: number | undefined;
}

/** Options of {@link Vp8Depacketizer}. */
export interface Vp8DepacketizerOptions {
  /** Drop frames with lost or malformed packets instead of returning them with `complete: false`. Default true. */
  dropIncomplete?: boolean;
  /** Drop frames until the first key frame. Default false. */
  waitForKeyframe?: boolean;
  /** After a loss, drop frames until the next complete key frame (only decodable frames out). Default false. */
  waitForKeyframeAfterLoss?: boolean;
  /** Bound on a frame's size; a larger one is dropped. Default 8 MiB. */
  maxFrameBytes?: number;
}

/**
 * Reassembles VP8 frames from RTP packets in sequence order (RFC 7741 §4): a frame starts at a packet with S
 * set and partition index 0 and ends at the marker bit (or at the next timestamp when that packet was lost).
 * Losses damage the frame they touch and set {@link keyframeNeeded} until a complete key frame arrives.
 * `push` never throws on payload content.
 */
export class Vp8Depacketizer {
  /** Counters: packets, lost, malformed, frames, dropped. */
  readonly stats: DepacketizerStats = newStats();
  private readonly dropIncomplete: boolean;
  private readonly maxFrameBytes: number;
  private waitingForFirstKeyframe: boolean;
  private readonly waitAfterLoss: boolean;
  private needKeyframe = false;
  private lastSequence = -1;
  private parts: Uint8Array[] = [];
  private size = 0;
  private started = false;
  private sawStart = false;
  private damaged = false;
  private timestamp = 0;
  private pictureId: number | undefined;

  constructor(options: Vp8DepacketizerOptions = {}) {
    this.dropIncomplete = options.dropIncomplete ?? true;
    this.waitingForFirstKeyframe = options.waitForKeyframe ?? false;
    this.waitAfterLoss = options.waitForKeyframeAfterLoss ?? false;
    this.maxFrameBytes = options.maxFrameBytes ?? 8 * 1024 * 1024;
  }

  /** True after a loss until a complete key frame has been returned: time to send a PLI. */
  get keyframeNeeded(): boolean {
    return this.needKeyframe;
  }

  /** Takes the next packet (in sequence order) and returns the frames it completes (none, one, rarely two). */
  push(packet: RtpPacket): readonly Vp8Frame[] {
    this.stats.packets++;
    let out: Vp8Frame[] | undefined;
    if (this.lastSequence >= 0) {
      const delta = sequenceDelta(packet.sequenceNumber, this.lastSequence);
      if (delta < -RESTART_DISTANCE) this.restart();
      else if (delta <= 0) {
        this.stats.packetsDiscarded++;
        return NO_FRAMES;
      }
      if (delta > 1) {
        this.stats.packetsLost += delta - 1;
        this.needKeyframe = true;
        if (this.started && packet.timestamp !== this.timestamp) out = this.emit(out, true);
        else this.damaged = true;
      }
    }
    this.lastSequence = packet.sequenceNumber;
    // A padding-only packet (Chromium's bandwidth probes when RTX is not negotiated) carries no media.
    if (packet.payload.length === 0) return out ?? NO_FRAMES;
    if (this.started && packet.timestamp !== this.timestamp) out = this.emit(out, false);
    let descriptorLength = 0;
    let start = false;
    try {
      const d = parseVp8Descriptor(packet.payload);
      descriptorLength = d.length;
      start = d.start && d.partitionIndex === 0;
      if (start) {
        if (this.started) out = this.emit(out, true); // a new frame began before this one ended
        this.pictureId = d.pictureId;
      }
    } catch (error) {
      if (!(error instanceof RtpError)) throw error;
      this.stats.packetsMalformed++;
      descriptorLength = -1;
    }
    if (!this.started) {
      this.started = true;
      this.timestamp = packet.timestamp;
    }
    if (descriptorLength < 0) this.damaged = true;
    else {
      if (start) this.sawStart = true;
      const data = packet.payload.subarray(descriptorLength);
      if (this.size + data.length > this.maxFrameBytes) this.damaged = true;
      else {
        // Copied: the caller's packet buffers are its own once push returns.
        this.parts.push(new Uint8Array(data)); // a copy even of a Buffer (whose slice() is a view)
        this.size += data.length;
      }
    }
    if (packet.marker) out = this.emit(out, false);
    return out ?? NO_FRAMES;
  }

  /** The source restarted far behind: the pending frame is dropped and a key frame awaited. */
  private restart(): void {
    if (this.started) this.stats.framesDropped++;
    this.parts = [];
    this.size = 0;
    this.started = false;
    this.sawStart = false;
    this.damaged = false;
    this.needKeyframe = true;
  }

  /** Returns the pending frame, if any, as incomplete (end of stream). */
  flush(): readonly Vp8Frame[] {
    if (!this.started) return NO_FRAMES;
    return this.emit(undefined, true) ?? NO_FRAMES;
  }

  private emit(out: Vp8Frame[] | undefined, forceDamaged: boolean): Vp8Frame[] | undefined {
    const sawStart = this.sawStart;
    let damaged = this.damaged || forceDamaged || !sawStart;
    const data = this.size > 0 ? concat(this.parts) : undefined;
    const timestamp = this.timestamp;
    const pictureId = this.pictureId;
    this.parts = [];
    this.size = 0;
    this.started = false;
    this.sawStart = false;
    this.damaged = false;
    this.pictureId = undefined;
    let header: ReturnType<typeof parseVp8FrameHeader> | undefined;
    // The frame header is only there when the frame's first packet arrived.
    if (data && sawStart) {
      try {
        header = parseVp8FrameHeader(data);
      } catch (error) {
        if (!(error instanceof RtpError)) throw error;
        damaged = true;
      }
    }
    if (damaged) this.needKeyframe = true;
    const keyframe = header?.keyframe ?? false;
    const waiting = this.waitingForFirstKeyframe || (this.waitAfterLoss && this.needKeyframe);
    if (!data || (damaged && this.dropIncomplete) || (waiting && !(keyframe && !damaged))) {
      this.stats.framesDropped++;
      return out;
    }
    if (keyframe && !damaged) {
      this.needKeyframe = false;
      this.waitingForFirstKeyframe = false;
    }
    this.stats.frames++;
    const frame: Vp8Frame = {
      data,
      timestamp,
      keyframe,
      complete: !damaged,
      width: header?.width,
      height: header?.height,
      pictureId,
    };
    if (out) out.push(frame);
    else out = [frame];
    return out;
  }
}
