import { join } from "node:path";
import type { PeerConnection, RtpTransceiver } from "@purertc/peerconnection";
import { type CancelTimer, setRepeatingTimer } from "@purertc/socket";
import type { CommandContext } from "../command.js";
import { readVideoFile, TrackFile, type VideoFile } from "./video-file.js";

/** The media options of `purertc pc`. */
export interface PcMediaOptions {
  /** An H.264 Annex-B or VP8 IVF file to send, looped, at its frame rate. */
  sendVideo?: string;
  /** A directory where each received track is written. */
  receive?: string;
  /** Frame rate for Annex-B files (they carry none). Default 30. */
  fps?: number;
  /** Video codec to ask for when receiving: "vp8" or "h264". */
  videoCodec?: string;
  /** Start sending at this frame (a test knob: a receiver then has to ask for a key frame). */
  skipFrames?: number;
  /** True when this side makes the offer (it then adds receive-only transceivers for --receive). */
  offerer: boolean;
}

/**
 * Media for `purertc pc`: a sending video transceiver fed from a file, and
 * received tracks written to files, with `track`, `recording`,
 * `keyframerequest` and once-a-second `frames` JSON events.
 */
export class PcMedia {
  private readonly video: VideoFile | undefined;
  private readonly sender: RtpTransceiver | undefined;
  private readonly files = new Map<RtpTransceiver, TrackFile>();
  private cancelSend: CancelTimer | undefined;
  private cancelReport: CancelTimer | undefined;
  private next = 0;
  private sent = 0;
  private readonly controller = new AbortController();

  constructor(
    pc: PeerConnection,
    options: PcMediaOptions,
    private readonly ctx: CommandContext,
  ) {
    const codec = options.videoCodec?.toLowerCase();
    if (codec !== undefined && codec !== "vp8" && codec !== "h264")
      throw new Error("--video-codec is vp8 or h264");
    const wanted = codec === "h264" ? "video/H264" : codec === "vp8" ? "video/VP8" : undefined;
    if (options.sendVideo) {
      this.video = readVideoFile(options.sendVideo, options.fps);
      this.sender = pc.addTransceiver("video", {
        direction: options.receive ? "sendrecv" : "sendonly",
        streams: ["purertc"],
      });
      this.sender.setCodecPreferences([{ mimeType: this.video.mimeType }]);
      this.next = Math.min(options.skipFrames ?? 0, this.video.frames.length - 1);
      this.sender.sender.addEventListener("keyframerequest", (e) => {
        ctx.emit({ event: "keyframerequest", kind: e.kind }, `keyframe request (${e.kind})`);
        this.skipToKeyframe();
      });
    } else if (options.receive && (wanted || options.offerer)) {
      const t = pc.addTransceiver("video", { direction: "recvonly" });
      if (wanted) t.setCodecPreferences([{ mimeType: wanted }]);
    }
    if (options.receive && options.offerer) pc.addTransceiver("audio", { direction: "recvonly" });
    if (options.receive) {
      const dir = options.receive;
      pc.addEventListener("track", (e) => {
        const t = e.transceiver;
        ctx.emit({
          event: "track",
          kind: e.track.kind,
          mid: t.mid,
          trackId: e.track.id,
          streams: [...e.streams],
        });
        e.receiver.addEventListener("frame", (f) => {
          let file = this.files.get(t);
          if (!file) {
            const mimeType = e.receiver.getParameters().codecs[0]?.mimeType;
            if (!mimeType) return;
            file = new TrackFile(join(dir, `${e.track.kind}-${t.mid ?? "x"}`), mimeType);
            this.files.set(t, file);
            ctx.emit({ event: "recording", kind: e.track.kind, mid: t.mid, mimeType, path: file.path });
          }
          file.frame(f.data, f.timestamp, f.keyframe);
        });
      });
    }
  }

  /** Connected: starts sending and the once-a-second report. */
  start(): void {
    if (this.cancelReport || this.controller.signal.aborted) return;
    this.cancelReport = setRepeatingTimer(this.report, 1000, this.controller.signal);
    const video = this.video;
    if (!video || !this.sender || video.frames.length === 0) return;
    this.cancelSend = setRepeatingTimer(this.sendNext, 1000 / video.fps, this.controller.signal);
  }

  private readonly sendNext = (): void => {
    const video = this.video!;
    const frame = video.frames[this.next]!;
    // Timestamps run on across loops (90 kHz clock).
    const timestamp = Math.round((this.sent * 90000) / video.fps);
    try {
      this.sender!.sender.sendFrame(frame.data, { timestamp, keyframe: frame.keyframe });
    } catch (error) {
      // A frame the codec refuses (ERR_OPERATION) is reported and skipped; the stream goes on.
      this.ctx.emit(
        { event: "error", message: (error as Error).message },
        `error: ${(error as Error).message}`,
      );
    }
    this.sent++;
    this.next = (this.next + 1) % video.frames.length;
  };

  private skipToKeyframe(): void {
    const frames = this.video?.frames;
    if (!frames) return;
    for (let k = 0; k < frames.length; k++) {
      const i = (this.next + k) % frames.length;
      if (frames[i]!.keyframe) {
        this.next = i;
        return;
      }
    }
  }

  private readonly report = (): void => {
    if (this.sender) {
      this.ctx.emit({ event: "frames", direction: "sent", mid: this.sender.mid, frames: this.sent });
    }
    for (const [t, file] of this.files) {
      this.ctx.emit({
        event: "frames",
        direction: "received",
        kind: t.kind,
        mid: t.mid,
        frames: file.frames,
        bytes: file.bytes,
      });
    }
  };

  /** Stops sending, finishes the files. Idempotent. */
  close(): void {
    if (this.controller.signal.aborted) return;
    this.controller.abort();
    this.cancelSend?.();
    this.cancelReport?.();
    this.report();
    for (const file of this.files.values()) file.close();
  }
}
