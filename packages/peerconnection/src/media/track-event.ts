import type { RemoteTrack, RtpReceiver } from "./receiver.js";
import type { RtpTransceiver } from "./transceiver.js";

/** The `track` event (RTCTrackEvent): a remote description says the peer sends on this transceiver. */
export class TrackEvent extends Event {
  readonly receiver: RtpReceiver;
  readonly track: RemoteTrack;
  /** The remote a=msid stream ids (purertc has no MediaStream objects). */
  readonly streams: readonly string[];
  constructor(readonly transceiver: RtpTransceiver) {
    super("track");
    this.receiver = transceiver.receiver;
    this.track = transceiver.receiver.track;
    this.streams = [...transceiver.receiver.streams];
  }
}
