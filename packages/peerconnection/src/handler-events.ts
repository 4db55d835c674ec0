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

type Handler = (event: Event) => void;
const HANDLERS = Symbol("purertc.eventHandlers");
type WithHandlers = EventTarget & { [HANDLERS]?: Record<string, Handler | null> };

/**
 * Defines the on<type> event handler attributes of a class (its prototype).
 * A handler is a listener added when the attribute is first set (HTML's
 * event handler rules: it runs in that order among the other listeners),
 * not a listener per type made up front for every object: each Node
 * EventTarget listener is a linked-list object (measured: ~1.9 KB of heap
 * per PeerConnection for eight handlers nobody set), and a data channel is
 * made on both ends of every open.
 */
export function defineEventHandlers(prototype: EventTarget, types: readonly string[]): void {
  for (const type of types) {
    // One listener function per type, shared by every object: EventTarget
    // calls it with the object as `this`. A throwing handler behaves as a
    // throwing listener does.
    const invoke = function (this: WithHandlers, event: Event): void {
      this[HANDLERS]?.[type]?.call(this, event);
    };
    Object.defineProperty(prototype, `on${type}`, {
      configurable: true,
      enumerable: true,
      get(this: WithHandlers): Handler | null {
        return this[HANDLERS]?.[type] ?? null;
      },
      set(this: WithHandlers, value: unknown) {
        const handler = typeof value === "function" ? (value as Handler) : null;
        let handlers = this[HANDLERS];
        if (!handler && !handlers?.[type]) return;
        if (!handlers) {
          handlers = {};
          this[HANDLERS] = handlers;
        }
        if (!(type in handlers)) this.addEventListener(type, invoke);
        handlers[type] = handler;
      },
    });
  }
}
