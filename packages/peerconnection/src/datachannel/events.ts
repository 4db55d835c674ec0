import { PeerConnectionError } from "../errors.js";

/** RTCErrorDetailType values a data channel reports (W3C webrtc §11.1). */
export type DataChannelErrorDetail = "data-channel-failure" | "sctp-failure";

/**
 * RTCError-like: a PeerConnectionError (code `ERR_DATA_CHANNEL`) with the
 * W3C `errorDetail`, and the SCTP cause when the association failed.
 */
export class DataChannelError extends PeerConnectionError {
  constructor(
    readonly errorDetail: DataChannelErrorDetail,
    message: string,
    options?: { cause?: unknown },
  ) {
    super("ERR_DATA_CHANNEL", message, options);
  }
}

/** The `error` event of a channel (RTCErrorEvent). */
export class DataChannelErrorEvent extends Event {
  constructor(readonly error: DataChannelError) {
    super("error");
  }
}

/** Events of a {@link DataChannel}, by type. */
export interface DataChannelEventMap {
  open: Event;
  message: MessageEvent;
  bufferedamountlow: Event;
  error: DataChannelErrorEvent;
  closing: Event;
  close: Event;
}
