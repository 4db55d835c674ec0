import type { DataChannelEvent } from "./datachannel/data-channel.js";
import type {
  ConnectionStateChangeEvent,
  DatagramEvent,
  PeerConnectionEventMap,
  PeerConnectionIceEvent,
} from "./events.js";
import {
  type AddOptions,
  defineEventHandlers,
  HANDLER_EVENTS,
  type Listener,
  type RemoveOptions,
} from "./handler-events.js";
import type { TrackEvent } from "./media/track-event.js";

/**
 * The event surface PeerConnection shares with RTCPeerConnection: the
 * on<event> handler attributes and typed add/removeEventListener. Kept apart
 * from peer-connection.ts so that file holds the connection's own behaviour.
 *
 * An on<event> attribute is a listener added when it is first set (see
 * {@link defineEventHandlers}).
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface below only adds typed overloads of EventTarget's own methods.
export abstract class PeerConnectionEventTarget extends EventTarget {
  /** Event handler attributes, as on RTCPeerConnection. */
  declare onicecandidate: ((event: PeerConnectionIceEvent) => void) | null;
  declare onicegatheringstatechange: ((event: Event) => void) | null;
  declare oniceconnectionstatechange: ((event: Event) => void) | null;
  declare onconnectionstatechange: ((event: ConnectionStateChangeEvent) => void) | null;
  declare onsignalingstatechange: ((event: Event) => void) | null;
  declare ondatagram: ((event: DatagramEvent) => void) | null;
  declare ontrack: ((event: TrackEvent) => void) | null;
  declare ondatachannel: ((event: DataChannelEvent) => void) | null;

  static {
    defineEventHandlers(PeerConnectionEventTarget.prototype, HANDLER_EVENTS);
  }
}

/** Typed listeners, as lib.dom types RTCPeerConnection's. */
export interface PeerConnectionEventTarget {
  addEventListener<K extends keyof PeerConnectionEventMap>(
    type: K,
    listener: Listener<PeerConnectionEventMap[K]>,
    options?: AddOptions,
  ): void;
  addEventListener(type: string, listener: Listener<Event>, options?: AddOptions): void;
  removeEventListener<K extends keyof PeerConnectionEventMap>(
    type: K,
    listener: Listener<PeerConnectionEventMap[K]>,
    options?: RemoveOptions,
  ): void;
  removeEventListener(type: string, listener: Listener<Event>, options?: RemoveOptions): void;
}
