import { PeerConnectionError } from "../errors.js";
import { type CodecParameters, defaultCodecs, matches, mimeTypeOf } from "./codecs.js";
import { RtpReceiver } from "./receiver.js";
import { parseFormatParameters, type RtpCodec, type RtpDirection } from "./sdp-media.js";
import { RtpSender } from "./sender.js";

/** addTransceiver's init (RTCRtpTransceiverInit; `streams` are stream ids, purertc has no MediaStream). */
export interface TransceiverInit {
  direction?: RtpDirection;
  streams?: string[];
}

/** What a transceiver asks of its PeerConnection when stopped. */
export interface TransceiverLink {
  stopTransceiver(transceiver: RtpTransceiver): void;
}

const DIRECTIONS: readonly string[] = ["sendrecv", "sendonly", "recvonly", "inactive"];

/**
 * RTCRtpTransceiver: one m-section's sender and receiver. `mid` is set when
 * an offer or answer associates it with an m-section; `currentDirection`
 * when one was negotiated. `stop()` releases its buffers and timers at once
 * and rejects its m-section (port 0) in the next offer or answer.
 */
export class RtpTransceiver {
  readonly sender: RtpSender;
  readonly receiver: RtpReceiver;
  /** RTCRtpTransceiver.mid. */
  mid: string | null = null;
  /** RTCRtpTransceiver.currentDirection: null until negotiated, "stopped" once stopped. */
  currentDirection: RtpDirection | "stopped" | null = null;
  /** @internal the codecs this side offers or accepts, in preference order. */
  preferences: RtpCodec[];
  /** @internal true once setCodecPreferences chose an order. */
  preferencesSet = false;
  /** @internal set by the PeerConnection. */
  link: TransceiverLink | undefined;
  private direction_: RtpDirection;
  private stopped_ = false;

  constructor(
    readonly kind: "audio" | "video",
    cname: string,
    init: TransceiverInit = {},
  ) {
    if (kind !== "audio" && kind !== "video") {
      throw new PeerConnectionError(
        "ERR_INVALID_ACCESS",
        `addTransceiver: kind "${kind}" is not audio or video`,
      );
    }
    this.direction_ = checkDirection(init.direction ?? "sendrecv");
    this.sender = new RtpSender(kind, cname);
    this.sender.streams = [...(init.streams ?? [])];
    this.receiver = new RtpReceiver(kind);
    this.preferences = defaultCodecs(kind);
  }

  /** RTCRtpTransceiver.direction: what this side wants; takes effect at the next negotiation. */
  get direction(): RtpDirection | "stopped" {
    return this.stopped_ ? "stopped" : this.direction_;
  }
  set direction(value: RtpDirection) {
    if (this.stopped_) throw new PeerConnectionError("ERR_INVALID_STATE", "the transceiver is stopped");
    this.direction_ = checkDirection(value);
  }

  /** True once stop() was called. */
  get stopped(): boolean {
    return this.stopped_;
  }

  /**
   * RTCRtpTransceiver.setCodecPreferences: the codecs to offer or accept,
   * in order, from {@link codecCapabilities}; an empty list restores the default.
   * @throws PeerConnectionError ERR_INVALID_MODIFICATION for a codec purertc does not carry.
   */
  setCodecPreferences(codecs: readonly Pick<CodecParameters, "mimeType" | "sdpFmtpLine">[]): void {
    const defaults = defaultCodecs(this.kind);
    this.preferencesSet = codecs.length > 0;
    if (codecs.length === 0) {
      this.preferences = defaults;
      return;
    }
    this.preferences = codecs.map((wanted) => {
      const name = wanted.mimeType.split("/")[1] ?? "";
      // Clock rate and channels as purertc carries the codec (Opus 48000/2, G.711 8000/1).
      const known = defaults.find((d) => d.name.toLowerCase() === name.toLowerCase());
      const probe: RtpCodec = {
        payloadType: 0,
        name,
        clockRate: known?.clockRate ?? (this.kind === "audio" ? 48000 : 90000),
        ...(known?.channels !== undefined ? { channels: known.channels } : {}),
        parameters: wanted.sdpFmtpLine ? parseFormatParameters(wanted.sdpFmtpLine) : [],
        feedback: [],
      };
      if (probe.parameters.length === 0 && mimeTypeOf(this.kind, probe) === "video/H264") {
        probe.parameters = [
          ["packetization-mode", "1"],
          ["profile-level-id", "42e01f"],
        ];
      }
      const found = defaults.find((d) => matches(this.kind, probe, d));
      if (!found) {
        throw new PeerConnectionError(
          "ERR_INVALID_MODIFICATION",
          `setCodecPreferences: ${wanted.mimeType} is not carried`,
        );
      }
      return found;
    });
  }

  /**
   * Stops the transceiver: it sends and receives nothing more, its buffers,
   * history and timers are released now, and its m-section is rejected in
   * the next negotiation. Idempotent.
   */
  stop(): void {
    if (this.stopped_) return;
    this.stopped_ = true;
    this.currentDirection = "stopped";
    this.link?.stopTransceiver(this);
    this.sender.link = undefined;
    this.receiver.link = undefined;
  }
}

function checkDirection(direction: string): RtpDirection {
  if (!DIRECTIONS.includes(direction)) {
    throw new PeerConnectionError("ERR_INVALID_ACCESS", `"${direction}" is not a transceiver direction`);
  }
  return direction as RtpDirection;
}

/** RTCRtpSender.getCapabilities(kind).codecs: what setCodecPreferences accepts. */
export function codecCapabilities(
  kind: "audio" | "video",
): Pick<CodecParameters, "mimeType" | "clockRate" | "channels" | "sdpFmtpLine">[] {
  return defaultCodecs(kind).map((c) => {
    const mimeType = mimeTypeOf(kind, c)!;
    const out: Pick<CodecParameters, "mimeType" | "clockRate" | "channels" | "sdpFmtpLine"> = {
      mimeType,
      clockRate: c.clockRate,
    };
    if (c.channels !== undefined) out.channels = c.channels;
    if (c.parameters.length) out.sdpFmtpLine = c.parameters.map(([k, v]) => `${k}=${v}`).join(";");
    return out;
  });
}
