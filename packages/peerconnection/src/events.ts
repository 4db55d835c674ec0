import type { DataChannelEvent } from "./datachannel/data-channel.js";
import type { TrackEvent } from "./media/track-event.js";
import type { PeerConnectionState } from "./states.js";

/** RTCIceCandidateInit: what trickle signalling carries for one candidate. */
export interface IceCandidateInit {
  /** `candidate:…` (no `a=`); "" means end-of-candidates. */
  candidate?: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

/** RTCSessionDescriptionInit. */
export interface SessionDescriptionInit {
  type: "offer" | "answer" | "pranswer" | "rollback";
  sdp?: string;
}

/** A description as the connection holds it (RTCSessionDescription). */
export interface SessionDescription {
  readonly type: "offer" | "answer" | "pranswer";
  readonly sdp: string;
}

/**
 * The `icecandidate` event (RTCPeerConnectionIceEvent): one gathered
 * candidate, or `candidate === null` once gathering is complete.
 */
export class PeerConnectionIceEvent extends Event {
  constructor(
    readonly candidate: IceCandidateInit | null,
    /** The URL of the STUN/TURN server the candidate came from, if any. */
    readonly url: string | null = null,
  ) {
    super("icecandidate");
  }
}

/** The `datagram` event: one application datagram received over the DTLS connection. */
export class DatagramEvent extends Event {
  constructor(readonly data: Uint8Array) {
    super("datagram");
  }
}

/** The `connectionstatechange` event carries the new state for convenience (browsers read `pc.connectionState`). */
export class ConnectionStateChangeEvent extends Event {
  constructor(readonly state: PeerConnectionState) {
    super("connectionstatechange");
  }
}

/** Events of a {@link PeerConnection}, by type. */
export interface PeerConnectionEventMap {
  icecandidate: PeerConnectionIceEvent;
  icegatheringstatechange: Event;
  iceconnectionstatechange: Event;
  connectionstatechange: ConnectionStateChangeEvent;
  signalingstatechange: Event;
  /** purertc: the DTLS transport's state changed (see PeerConnection.dtlsState). */
  dtlsstatechange: Event;
  datagram: DatagramEvent;
  /** A remote description says the peer sends on a transceiver (RTCTrackEvent). */
  track: TrackEvent;
  /** The peer opened a data channel (RTCDataChannelEvent). */
  datachannel: DataChannelEvent;
}
