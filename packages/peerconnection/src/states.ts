/**
 * The W3C state rules (webrtc-pc §4.3), as pure functions of the transport
 * states, so the rules can be tested alone and PeerConnection only feeds them.
 */
import type { GatheringState, IceTransportState } from "@purertc/ice";
import { PeerConnectionError } from "./errors.js";

/** RTCSignalingState. */
export type SignalingState =
  | "stable"
  | "have-local-offer"
  | "have-remote-offer"
  | "have-local-pranswer"
  | "have-remote-pranswer"
  | "closed";

/** RTCIceGatheringState: the ICE agent's own. */
export type IceGatheringState = GatheringState;

/** RTCIceTransportState (also RTCIceConnectionState for one transport): the ICE agent's own. */
export type { IceTransportState };

/** RTCIceConnectionState. */
export type IceConnectionState = IceTransportState;

/** RTCDtlsTransportState. */
export type DtlsTransportState = "new" | "connecting" | "connected" | "closed" | "failed";

/** RTCPeerConnectionState. */
export type PeerConnectionState = "new" | "connecting" | "connected" | "disconnected" | "failed" | "closed";

/** RTCSdpType. */
export type SdpType = "offer" | "answer" | "pranswer" | "rollback";

/**
 * RTCIceConnectionState from the ICE transports' states (webrtc-pc §4.3.3,
 * "RTCIceConnectionState Enum"), the first rule that applies winning.
 */
export function iceConnectionStateOf(ice: readonly IceTransportState[], closed = false): IceConnectionState {
  if (closed) return "closed";
  if (ice.includes("failed")) return "failed";
  if (ice.includes("disconnected")) return "disconnected";
  if (ice.every((s) => s === "new" || s === "closed")) return "new";
  if (ice.some((s) => s === "new" || s === "checking")) return "checking";
  if (ice.every((s) => s === "completed" || s === "closed")) return "completed";
  return "connected";
}

/**
 * RTCPeerConnectionState from the ICE and DTLS transports' states
 * (webrtc-pc §4.3.3, "RTCPeerConnectionState Enum"): failed if any failed,
 * disconnected if any ICE transport is, new while all are new or closed,
 * connecting while any is still on its way, connected when all are done.
 */
export function connectionStateOf(
  ice: readonly IceTransportState[],
  dtls: readonly DtlsTransportState[],
  closed = false,
): PeerConnectionState {
  if (closed) return "closed";
  if (ice.includes("failed") || dtls.includes("failed")) return "failed";
  if (ice.includes("disconnected")) return "disconnected";
  if (ice.every((s) => s === "new" || s === "closed") && dtls.every((s) => s === "new" || s === "closed")) {
    return "new";
  }
  if (
    ice.some((s) => s === "new" || s === "checking") ||
    dtls.some((s) => s === "new" || s === "connecting")
  ) {
    return "connecting";
  }
  return "connected";
}

/** The signaling state after applying a description, as JSEP §4.1.8/§4.1.9 and webrtc-pc §4.4.1.5 define it. */
const TRANSITIONS: Record<
  "local" | "remote",
  Partial<Record<SignalingState, Partial<Record<SdpType, SignalingState>>>>
> = {
  local: {
    stable: { offer: "have-local-offer" },
    "have-local-offer": { offer: "have-local-offer", rollback: "stable" },
    "have-remote-offer": { answer: "stable", pranswer: "have-local-pranswer" },
    "have-local-pranswer": { answer: "stable", pranswer: "have-local-pranswer" },
  },
  remote: {
    stable: { offer: "have-remote-offer" },
    "have-remote-offer": { offer: "have-remote-offer", rollback: "stable" },
    "have-local-offer": { answer: "stable", pranswer: "have-remote-pranswer" },
    "have-remote-pranswer": { answer: "stable", pranswer: "have-remote-pranswer" },
  },
};

/**
 * The signaling state after setting a `side` description of `type` in
 * `state`.
 * @throws PeerConnectionError ERR_INVALID_STATE when the transition is not
 *   allowed (a rollback in stable, an answer without an offer, anything once
 *   closed), as browsers throw InvalidStateError.
 */
export function nextSignalingState(
  state: SignalingState,
  side: "local" | "remote",
  type: SdpType,
): SignalingState {
  const next = TRANSITIONS[side][state]?.[type];
  if (next === undefined) {
    throw new PeerConnectionError(
      "ERR_INVALID_STATE",
      `cannot set a ${side} ${type} in signaling state "${state}" (webrtc-pc §4.4.1.5)`,
    );
  }
  return next;
}
