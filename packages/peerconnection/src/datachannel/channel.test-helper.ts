import { negotiate, trickle, waitForState } from "../pair.test-helper.js";
import { PeerConnection } from "../peer-connection.js";
import type { DataChannel } from "./data-channel.js";

/** Resolves with the next event `type` on `target`, or rejects after `ms`. */
export function nextEvent<E extends Event = Event>(target: EventTarget, type: string, ms = 5000): Promise<E> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      target.removeEventListener(type, on);
      reject(new Error(`no ${type} event within ${ms} ms`));
    }, ms);
    const on = (e: Event) => {
      clearTimeout(timer);
      target.removeEventListener(type, on);
      resolve(e as E);
    };
    target.addEventListener(type, on);
  });
}

/** Polls `check` every 2 ms until true, or rejects after `ms`. */
export function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const poll = () => {
      if (check()) resolve();
      else if (performance.now() - start > ms) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(poll, 2);
    };
    poll();
  });
}

/** Two loopback PeerConnections, negotiated (a offers: a is the DTLS server) and connected. */
export async function connectedPair(
  before?: (a: PeerConnection, b: PeerConnection) => void,
): Promise<[PeerConnection, PeerConnection]> {
  const a = new PeerConnection({ interfaces: "loopback" });
  const b = new PeerConnection({ interfaces: "loopback" });
  trickle(a, b);
  before?.(a, b);
  await negotiate(a, b);
  await Promise.all([waitForState(a, "connected"), waitForState(b, "connected")]);
  return [a, b];
}

/** Creates a channel on `from` and resolves with both ends once open. */
export async function openChannel(
  from: PeerConnection,
  to: PeerConnection,
  label: string,
  init?: Parameters<PeerConnection["createDataChannel"]>[1],
): Promise<[DataChannel, DataChannel]> {
  const incoming = nextEvent<Event & { channel: DataChannel }>(to, "datachannel");
  const local = from.createDataChannel(label, init);
  const opened = local.readyState === "open" ? Promise.resolve() : nextEvent(local, "open");
  const [e] = await Promise.all([incoming, opened]);
  return [local, e.channel];
}

/** The data of the next `message` event on `channel`. */
export async function nextMessage(channel: DataChannel, ms = 5000): Promise<unknown> {
  return (await nextEvent<MessageEvent>(channel, "message", ms)).data;
}
