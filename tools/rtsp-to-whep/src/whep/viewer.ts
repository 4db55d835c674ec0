import {
  type EncodedFrame,
  type PeerCertificate,
  PeerConnection,
  type PeerConnectionConfiguration,
  type RtpReceiver,
} from "@purertc/peerconnection";
import { RtspError } from "../errors.js";
import { gathered } from "./gathered.js";

/** Options of {@link WhepViewer.connect}. */
export interface WhepViewerOptions {
  /** The viewer's PeerConnection configuration. Default loopback interfaces, no mDNS. */
  configuration?: PeerConnectionConfiguration<PeerCertificate>;
  /** How long the offer waits for our candidates. Default 2000 ms. */
  gatheringTimeoutMs?: number;
  /** Called with each frame received. */
  onFrame?: (frame: EncodedFrame) => void;
  /** Offer audio too (recvonly, every codec purertc carries: Opus, PCMU, PCMA), as a browser does. Default false. */
  audio?: boolean;
  /** Called with each audio frame received (with `audio`). */
  onAudioFrame?: (frame: EncodedFrame) => void;
  /** Rewrites the offer before the POST and the answer before it is applied (tests put a relay between). */
  mapOffer?: (sdp: string) => string;
  mapAnswer?: (sdp: string) => string;
}

/**
 * A WHEP viewer (RFC 9725 client) on a purertc PeerConnection: a recvonly
 * video offer with its candidates, POSTed to the endpoint; the answer
 * applied; frames come as `frame` events of {@link WhepViewer.receiver}.
 * For tests, the churn check and the fan-out benchmark.
 */
export class WhepViewer implements AsyncDisposable {
  private closing: Promise<void> | undefined;

  private constructor(
    readonly pc: PeerConnection,
    readonly receiver: RtpReceiver,
    /** The audio receiver (with the `audio` option). */
    readonly audioReceiver: RtpReceiver | undefined,
    /** The session's URL (the 201's Location, resolved). */
    readonly location: string,
    private readonly onFrame: ((event: Event) => void) | undefined,
    private readonly onAudioFrame: ((event: Event) => void) | undefined,
  ) {}

  /**
   * POSTs an offer to `endpoint` and applies the answer (media flows once connected).
   * @throws RtspError `ERR_UNSUPPORTED_OFFER` when the endpoint does not answer 201
   */
  static async connect(endpoint: string, options: WhepViewerOptions = {}): Promise<WhepViewer> {
    const pc = new PeerConnection(options.configuration ?? { interfaces: "loopback", mdns: false });
    try {
      const { receiver } = pc.addTransceiver("video", { direction: "recvonly" });
      const onFrame = options.onFrame;
      const listener = onFrame
        ? (event: Event) => onFrame((event as Event & { frame: EncodedFrame }).frame)
        : undefined;
      if (listener) receiver.addEventListener("frame", listener);
      const audioReceiver = options.audio
        ? pc.addTransceiver("audio", { direction: "recvonly" }).receiver
        : undefined;
      const onAudio = options.onAudioFrame;
      const audioListener =
        audioReceiver && onAudio
          ? (event: Event) => onAudio((event as Event & { frame: EncodedFrame }).frame)
          : undefined;
      if (audioListener) audioReceiver?.addEventListener("frame", audioListener);
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc, options.gatheringTimeoutMs ?? 2000);
      const offer = pc.localDescription!.sdp;
      const response = await fetch(endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/sdp" },
        body: options.mapOffer ? options.mapOffer(offer) : offer,
      });
      const body = await response.text();
      const location = response.headers.get("Location");
      if (response.status !== 201 || !location) {
        throw new RtspError("ERR_UNSUPPORTED_OFFER", `WHEP endpoint answered ${response.status}: ${body}`);
      }
      await pc.setRemoteDescription({
        type: "answer",
        sdp: options.mapAnswer ? options.mapAnswer(body) : body,
      });
      return new WhepViewer(
        pc,
        receiver,
        audioReceiver,
        new URL(location, endpoint).href,
        listener,
        audioListener,
      );
    } catch (error) {
      await pc.close();
      throw error;
    }
  }

  /**
   * Leaves: `delete` sends DELETE to the session then closes the connection; `close` only closes it
   * (DTLS close_notify, as a closing tab does). Idempotent.
   */
  close(how: "delete" | "close" = "delete"): Promise<void> {
    this.closing ??= (async () => {
      if (this.onFrame) this.receiver.removeEventListener("frame", this.onFrame);
      if (this.onAudioFrame) this.audioReceiver?.removeEventListener("frame", this.onAudioFrame);
      try {
        if (how === "delete") await (await fetch(this.location, { method: "DELETE" })).arrayBuffer();
      } finally {
        await this.pc.close();
      }
    })();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
