/**
 * The one transport of a PeerConnection: an ICE agent and, once it has a
 * selected pair, a DTLS connection over it. PeerConnection sees only this.
 */
import type { SdpCandidate, SdpFingerprint } from "./sdp/types.js";
import type { DtlsTransportState, IceGatheringState, IceTransportState } from "./states.js";

/** Upcalls from the transport to its PeerConnection (dropped on close). */
export interface TransportListener {
  localCandidate(candidate: SdpCandidate): void;
  gatheringState(state: IceGatheringState): void;
  iceState(state: IceTransportState): void;
  dtlsState(state: DtlsTransportState, error?: Error): void;
  datagram(data: Uint8Array): void;
  /** An SRTP or SRTCP datagram from the ICE path (RFC 7983). */
  media?(data: Uint8Array, kind: "rtp" | "rtcp"): void;
}

/** What the remote description tells the transport. */
export interface RemoteTransportParameters {
  iceUfrag: string;
  icePwd: string;
  iceLite: boolean;
  fingerprints: SdpFingerprint[];
}
