import type { DataChannelEvent } from "./datachannel/data-channel.js";
import type {
  ConnectionStateChangeEvent,
  DatagramEvent,
  PeerConnectionEventMap,
  PeerConnectionIceEvent,
} from "./events.js";
import { type AddOptions, HANDLER_EVENTS, type Listener, type RemoveOptions } from "./handler-events.js";
import type { TrackEvent } from "./media/track-event.js";

type HandlerType = (typeof HANDLER_EVENTS)[number];
type Handler = (event: Event) => void;

/**
 * The event surface PeerConnection shares with RTCPeerConnection: the
 * on<event> handler attributes and typed add/removeEventListener. Kept apart
 * from peer-connection.ts so that file holds the connection's own behaviour.
 *
 * An on<event> attribute is a listener added when it is first set (as in
 * HTML's event handler rules, so it runs in that order among the others),
 * not eight listeners per connection made up front: each Node EventTarget
 * listener is a linked-list object (measured: ~1.9 KB of heap per
 * PeerConnection for eight handlers nobody set).
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

  /** The handlers set so far, by event type; a type is here once its listener is added. */
  private handlers: Partial<Record<HandlerType, Handler | null>> | undefined = undefined;

  static {
    for (const type of HANDLER_EVENTS) {
      // One listener function per type, shared by every connection: EventTarget
      // calls it with the connection as `this`. A throwing handler behaves as a
      // throwing listener does.
      const invoke = function (this: PeerConnectionEventTarget, event: Event): void {
        this.handlers?.[type]?.call(this, event);
      };
      Object.defineProperty(PeerConnectionEventTarget.prototype, `on${type}`, {
        configurable: true,
        enumerable: true,
        get(this: PeerConnectionEventTarget): Handler | null {
          return this.handlers?.[type] ?? null;
        },
        set(this: PeerConnectionEventTarget, value: unknown) {
          const handler = typeof value === "function" ? (value as Handler) : null;
          if (!handler && !this.handlers?.[type]) return;
          this.handlers ??= {};
          if (!(type in this.handlers)) this.addEventListener(type, invoke);
          this.handlers[type] = handler;
        },
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
