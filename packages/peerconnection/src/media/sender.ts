import { randomInt, randomUUID } from "node:crypto";
import type { CodecParameters } from "./codecs.js";
import type { EncodedFrame } from "./receiver.js";

/** RTCRtpSendParameters, as far as purertc has them. */
export interface SendParameters {
  /** The negotiated codecs; the first is the one `sendFrame` packetizes for. */
  codecs: CodecParameters[];
  encodings: { ssrc: number; active: boolean }[];
  headerExtensions: { id: number; uri: string }[];
  rtcp: { cname: string; reducedSize: boolean };
}

/** The `keyframerequest` event: the remote sent a PLI or FIR for this sender's stream. */
export class KeyframeRequestEvent extends Event {
  constructor(readonly kind: "pli" | "fir") {
    super("keyframerequest");
  }
}

/** What a sender asks of its PeerConnection's media transport. */
export interface SenderLink {
  sendFrame(sender: RtpSender, frame: EncodedFrame): boolean;
  sendRtp(sender: RtpSender, packet: Uint8Array): boolean;
}

/**
 * RTCRtpSender for encoded media: purertc has no capture or encoder, so the
 * application hands it frames ({@link RtpSender.sendFrame}) or RTP packets
 * ({@link RtpSender.sendRtp}). Both are dropped, like UDP datagrams, until
 * the transceiver is negotiated to send and the connection is up.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface below only adds typed overloads of EventTarget's own methods.
export class RtpSender extends EventTarget {
  /** The SSRC this sender writes (a=ssrc). */
  readonly ssrc: number = randomInt(1, 0xffffffff);
  /** The track id written in a=msid. */
  readonly trackId: string = randomUUID();
  /** The stream ids written in a=msid (addTransceiver's `streams`). */
  streams: string[] = [];
  /** @internal set at negotiation. */
  parameters: SendParameters;
  /** @internal set by the PeerConnection while it can send. */
  link: SenderLink | undefined;

  constructor(
    readonly kind: "audio" | "video",
    cname: string,
  ) {
    super();
    this.parameters = {
      codecs: [],
      encodings: [{ ssrc: this.ssrc, active: true }],
      headerExtensions: [],
      rtcp: { cname, reducedSize: false },
    };
  }

  /** RTCRtpSender.getParameters(): the negotiated codecs, SSRC, extensions, RTCP. */
  getParameters(): SendParameters {
    return structuredClone(this.parameters);
  }

  /**
   * Sends one encoded frame, packetized for the negotiated codec (the first
   * of getParameters().codecs): H.264 as single NAL units, STAP-A and FU-A
   * (RFC 6184, parameter sets sent ahead of each IDR), VP8 with its payload
   * descriptor (RFC 7741), Opus one packet per frame (RFC 7587). `timestamp`
   * is in the codec's clock (90 kHz video, 48 kHz Opus).
   * @returns false when it was dropped (not negotiated to send, or not connected).
   * @throws PeerConnectionError ERR_OPERATION when the frame does not fit the codec (an empty VP8 frame, an
   *   Opus packet over the MTU), the RtpError as its cause.
   */
  sendFrame(data: Uint8Array, options: { timestamp: number; keyframe?: boolean }): boolean {
    return (
      this.link?.sendFrame(this, {
        data,
        timestamp: options.timestamp,
        keyframe: options.keyframe ?? false,
      }) ?? false
    );
  }

  /**
   * Sends an RTP packet you made (for example relayed from an RTSP camera):
   * its SSRC, payload type and sequence number are rewritten to this
   * sender's, so the stream stays continuous whatever its source.
   * @returns false when it was dropped.
   * @throws PeerConnectionError ERR_OPERATION when `packet` is not an RTP packet (RFC 3550 §5.1).
   */
  sendRtp(packet: Uint8Array): boolean {
    return this.link?.sendRtp(this, packet) ?? false;
  }
}

/** Events of an {@link RtpSender}, by type. */
export interface RtpSenderEventMap {
  keyframerequest: KeyframeRequestEvent;
}

type Listener<E> = ((event: E) => unknown) | { handleEvent(event: E): unknown } | null;
type AddOptions = boolean | { once?: boolean; passive?: boolean; capture?: boolean; signal?: AbortSignal };
type RemoveOptions = boolean | { capture?: boolean };

/** Typed listeners. */
export interface RtpSender {
  addEventListener<K extends keyof RtpSenderEventMap>(
    type: K,
    listener: Listener<RtpSenderEventMap[K]>,
    options?: AddOptions,
  ): void;
  addEventListener(type: string, listener: Listener<Event>, options?: AddOptions): void;
  removeEventListener<K extends keyof RtpSenderEventMap>(
    type: K,
    listener: Listener<RtpSenderEventMap[K]>,
    options?: RemoveOptions,
  ): void;
  removeEventListener(type: string, listener: Listener<Event>, options?: RemoveOptions): void;
}
