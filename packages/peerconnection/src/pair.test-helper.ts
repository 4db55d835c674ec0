import { PeerConnection } from "./peer-connection.js";
import type { PeerConnectionState } from "./states.js";

/** What the PeerConnection constructor takes. */
type Configuration = ConstructorParameters<typeof PeerConnection>[0];

/** Wires trickle both ways: each side's candidates go to the other. */
export function trickle(a: PeerConnection, b: PeerConnection): void {
  a.addEventListener("icecandidate", (e) => void b.addIceCandidate(e.candidate).catch(() => {}));
  b.addEventListener("icecandidate", (e) => void a.addIceCandidate(e.candidate).catch(() => {}));
}

/** Offer/answer between a (offerer) and b (answerer). */
export async function negotiate(a: PeerConnection, b: PeerConnection): Promise<void> {
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription!);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription!);
}

/**
 * Two PeerConnections made with `configuration` (default: loopback only),
 * trickling to each other, negotiated (the first offers) and both connected.
 */
export async function connectedPair(
  configuration: Configuration = { interfaces: "loopback" },
): Promise<[PeerConnection, PeerConnection]> {
  const a = new PeerConnection(configuration);
  const b = new PeerConnection(configuration);
  trickle(a, b);
  await negotiate(a, b);
  await Promise.all([waitForState(a, "connected"), waitForState(b, "connected")]);
  return [a, b];
}

/** Resolves when `pc.connectionState` is `state`; rejects on failed/closed or after `ms`. */
export function waitForState(pc: PeerConnection, state: PeerConnectionState, ms = 10_000): Promise<void> {
  if (pc.connectionState === state) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`connectionState is ${pc.connectionState}, not ${state}, after ${ms} ms`));
    }, ms);
    const onChange = () => {
      if (pc.connectionState === state) {
        cleanup();
        resolve();
      } else if (pc.connectionState === "failed" || pc.connectionState === "closed") {
        cleanup();
        reject(
          new Error(
            `connectionState went ${pc.connectionState} waiting for ${state}: ${pc.transportError?.message ?? ""}`,
          ),
        );
      }
    };
    const cleanup = () => {
      clearTimeout(timer);
      pc.removeEventListener("connectionstatechange", onChange);
    };
    pc.addEventListener("connectionstatechange", onChange);
  });
}

/** Resolves with the next datagram `pc` receives, or rejects after `ms`. */
export function nextDatagram(pc: PeerConnection, ms = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pc.removeEventListener("datagram", onData);
      reject(new Error(`no datagram within ${ms} ms`));
    }, ms);
    const onData = (e: { data: Uint8Array }) => {
      clearTimeout(timer);
      pc.removeEventListener("datagram", onData);
      resolve(new TextDecoder().decode(e.data));
    };
    pc.addEventListener("datagram", onData);
  });
}
