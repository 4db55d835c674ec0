/** The events with an on<event> attribute on PeerConnection, as on RTCPeerConnection. */
export const HANDLER_EVENTS = [
  "icecandidate",
  "icegatheringstatechange",
  "iceconnectionstatechange",
  "connectionstatechange",
  "signalingstatechange",
  "datagram",
  "track",
  "datachannel",
] as const;

/** A listener as EventTarget takes it: a function, an object with handleEvent, or null. */
export type Listener<E> = ((event: E) => unknown) | { handleEvent(event: E): unknown } | null;
/** addEventListener's options. */
export type AddOptions =
  | boolean
  | { once?: boolean; passive?: boolean; capture?: boolean; signal?: AbortSignal };
/** removeEventListener's options. */
export type RemoveOptions = boolean | { capture?: boolean };
