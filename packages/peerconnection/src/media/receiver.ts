import { randomUUID } from "node:crypto";
import type { CodecParameters } from "./codecs.js";

/** A received track's identity (purertc has no MediaStreamTrack: media stays encoded). */
export interface RemoteTrack {
  readonly kind: "audio" | "video";
  /** The remote a=msid track id, or a fresh UUID when the remote wrote none. */
  readonly id: string;
}

/** One encoded frame, as `sendFrame` takes and the `frame` event gives it. */
export interface EncodedFrame {
  /** For H.264 an Annex-B access unit (start codes), for VP8 one frame, for Opus one packet. */
  data: Uint8Array;
  /** RTP timestamp (the codec's clock: 90 kHz video, 48 kHz Opus). */
  timestamp: number;
  keyframe: boolean;
}

/** The `frame` event of an {@link RtpReceiver}: one depacketized frame. */
export class FrameEvent extends Event {
  constructor(readonly frame: EncodedFrame) {
    super("frame");
  }
  get data(): Uint8Array {
    return this.frame.data;
  }
  get timestamp(): number {
    return this.frame.timestamp;
  }
  get keyframe(): boolean {
    return this.frame.keyframe;
  }
}

/** The `rtp` event of an {@link RtpReceiver}: one decrypted RTP packet, as received. */
export class RtpPacketEvent extends Event {
  constructor(readonly packet: Uint8Array) {
    super("rtp");
  }
}

/** What a receiver asks of its PeerConnection (dropped on stop). */
export interface ReceiverLink {
  requestKeyframe(receiver: RtpReceiver): void;
}

/**
 * RTCRtpReceiver: the receive half of a transceiver. It emits `rtp` for
 * each packet routed to it (by SSRC, then MID) and `frame` for each frame
 * reassembled for the negotiated codec.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface below only adds typed overloads of EventTarget's own methods.
export class RtpReceiver extends EventTarget {
  readonly track: RemoteTrack;
  /** The negotiated codecs (first one is what the remote is expected to send). */
  codecs: CodecParameters[] = [];
  /** The remote SSRCs signalled for this receiver (a=ssrc), when any. */
  remoteSsrcs: number[] = [];
  /** @internal set by the PeerConnection. */
  link: ReceiverLink | undefined;
  /** The remote a=msid stream ids. */
  streams: string[] = [];

  constructor(kind: "audio" | "video") {
    super();
    this.track = { kind, id: randomUUID() };
  }

  /** RTCRtpReceiver.getParameters(). */
  getParameters(): { codecs: CodecParameters[] } {
    return { codecs: this.codecs.map((c) => ({ ...c })) };
  }

  /**
   * Asks the sender for a keyframe: a PLI (RFC 4585 §6.3.1), or a FIR
   * (RFC 5104 §4.3.1) when only that was negotiated. Nothing before media is flowing.
   */
  requestKeyframe(): void {
    this.link?.requestKeyframe(this);
  }

  /** @internal called by the router. */
  setTrackId(id: string): void {
    (this.track as { id: string }).id = id;
  }
}

/** Events of an {@link RtpReceiver}, by type. */
export interface RtpReceiverEventMap {
  rtp: RtpPacketEvent;
  frame: FrameEvent;
}

type Listener<E> = ((event: E) => unknown) | { handleEvent(event: E): unknown } | null;
type AddOptions = boolean | { once?: boolean; passive?: boolean; capture?: boolean; signal?: AbortSignal };
type RemoveOptions = boolean | { capture?: boolean };

/** Typed listeners. */
export interface RtpReceiver {
  addEventListener<K extends keyof RtpReceiverEventMap>(
    type: K,
    listener: Listener<RtpReceiverEventMap[K]>,
    options?: AddOptions,
  ): void;
  addEventListener(type: string, listener: Listener<Event>, options?: AddOptions): void;
  removeEventListener<K extends keyof RtpReceiverEventMap>(
    type: K,
    listener: Listener<RtpReceiverEventMap[K]>,
    options?: RemoveOptions,
  ): void;
  removeEventListener(type: string, listener: Listener<Event>, options?: RemoveOptions): void;
}
