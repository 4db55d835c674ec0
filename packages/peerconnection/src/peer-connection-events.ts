import type { DataChannelEvent } from "./datachannel/data-channel.js";
import type {
  ConnectionStateChangeEvent,
  DatagramEvent,
  PeerConnectionEventMap,
  PeerConnectionIceEvent,
} from "./events.js";
import { type AddOptions, HANDLER_EVENTS, type Listener, type RemoveOptions } from "./handler-events.js";
import type { TrackEvent } from "./media/track-event.js";

/**
 * The event surface PeerConnection shares with RTCPeerConnection: the
 * on<event> handler attributes and typed add/removeEventListener. Kept apart
 * from peer-connection.ts so that file holds the connection's own behaviour.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface below only adds typed overloads of EventTarget's own methods.
export abstract class PeerConnectionEventTarget extends EventTarget {
  /** Event handler attributes, as on RTCPeerConnection. */
  onicecandidate: ((event: PeerConnectionIceEvent) => void) | null = null;
  onicegatheringstatechange: ((event: Event) => void) | null = null;
  oniceconnectionstatechange: ((event: Event) => void) | null = null;
  onconnectionstatechange: ((event: ConnectionStateChangeEvent) => void) | null = null;
  onsignalingstatechange: ((event: Event) => void) | null = null;
  ondatagram: ((event: DatagramEvent) => void) | null = null;
  ontrack: ((event: TrackEvent) => void) | null = null;
  ondatachannel: ((event: DataChannelEvent) => void) | null = null;

  constructor() {
    super();
    // The on<event> attributes are ordinary listeners, so a throwing handler
    // behaves as a throwing listener does.
    for (const type of HANDLER_EVENTS) {
      this.addEventListener(type, (event: Event) => {
        const handler = this[`on${type}`] as ((event: Event) => void) | null;
        handler?.call(this, event);
      });
    }
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
