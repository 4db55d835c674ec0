import { PeerConnection } from "@purertc/peerconnection";
import { RTCPeerConnection as WeriftPeerConnection } from "werift";
import type { W3cChannel, W3cPeer } from "./stacks.js";

/**
 * One side of a data-channel open whose other side lives in another
 * process (offerer.ts / answerer.ts): descriptions and trickled candidates
 * go as plain JSON over IPC. Candidates that arrive before the remote
 * description is set wait in a queue (purertc and werift both refuse them
 * earlier, as libdatachannel does).
 */
export interface Half {
  /** Trickled local candidates, JSON-serialisable. */
  onCandidate(fn: (candidate: unknown) => void): void;
  /** Offerer: createOffer + setLocalDescription, the offer as sent. */
  offer(): Promise<Description>;
  /** Answerer: setRemoteDescription(offer), createAnswer + setLocalDescription, the answer as sent. */
  answer(offer: Description): Promise<Description>;
  /** Offerer: setRemoteDescription(answer). */
  accept(answer: Description): Promise<void>;
  addCandidate(candidate: unknown): void;
  /** Offerer: resolves at its channel's `open`. */
  readonly opened: Promise<void>;
  close(): Promise<void>;
}

/** A session description as it crosses the IPC channel. */
export interface Description {
  type: string;
  sdp: string;
}

/** The stacks the two-process open is measured for. */
export type HalfStack = "purertc" | "purertc-x25519" | "werift";

/** The queue of remote candidates until the remote description is set. */
class Pending {
  private ready = false;
  private queue: unknown[] = [];
  constructor(private readonly add: (c: unknown) => Promise<void>) {}
  push(c: unknown): void {
    if (this.ready) void this.add(c).catch(() => {});
    else this.queue.push(c);
  }
  flush(): void {
    this.ready = true;
    for (const c of this.queue) void this.add(c).catch(() => {});
    this.queue = [];
  }
}

function w3cHalf(pc: W3cPeer, offerer: boolean): Half {
  const pending = new Pending((c) => pc.addIceCandidate(c));
  let opened: Promise<void> = Promise.resolve();
  if (offerer) {
    const channel: W3cChannel = pc.createDataChannel("bench");
    channel.binaryType = "arraybuffer";
    opened = new Promise<void>((resolve) => channel.addEventListener("open", () => resolve()));
  }
  const local = () => pc.localDescription as Description;
  return {
    onCandidate: (fn) =>
      pc.addEventListener("icecandidate", ((e: { candidate: { candidate?: string } | null }) => {
        if (e.candidate?.candidate) fn(e.candidate);
      }) as never),
    offer: async () => {
      await pc.setLocalDescription(await pc.createOffer());
      return local();
    },
    answer: async (offer) => {
      await pc.setRemoteDescription(offer);
      pending.flush();
      await pc.setLocalDescription(await pc.createAnswer());
      return local();
    },
    accept: async (answer) => {
      await pc.setRemoteDescription(answer);
      pending.flush();
    },
    addCandidate: (c) => pending.push(c),
    opened,
    close: async () => {
      await pc.close();
    },
  };
}

function weriftHalf(offerer: boolean): Half {
  const pc = new WeriftPeerConnection({
    iceServers: [],
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ["127.0.0.1"],
    iceFilterCandidatePair: (pair) =>
      pair.remoteCandidate.host === "127.0.0.1" && pair.protocol.localCandidate?.host === "127.0.0.1",
  });
  // werift asks a public STUN server unless its ICE connections' stunServer is cleared (TOOLCHAIN.md).
  const keepOnLoopback = () => {
    const ts = (pc as unknown as { iceTransports: { connection: { stunServer: unknown } }[] }).iceTransports;
    for (const t of ts) t.connection.stunServer = undefined;
  };
  const pending = new Pending((c) => pc.addIceCandidate(c as never));
  let opened: Promise<void> = Promise.resolve();
  if (offerer) {
    const channel = pc.createDataChannel("bench");
    opened = new Promise<void>((resolve) =>
      channel.stateChanged.subscribe((s) => {
        if (s === "open") resolve();
      }),
    );
  }
  const local = (): Description => ({ type: pc.localDescription!.type, sdp: pc.localDescription!.sdp });
  return {
    onCandidate: (fn) => {
      pc.onicecandidate = (e) => {
        // Loopback only, as in the one-process pair; toJSON gives the init dictionary.
        if (e.candidate?.candidate?.includes(" 127.0.0.1 ")) fn(e.candidate.toJSON());
      };
    },
    offer: async () => {
      const offer = await pc.createOffer();
      keepOnLoopback();
      await pc.setLocalDescription(offer);
      return local();
    },
    answer: async (offer) => {
      await pc.setRemoteDescription(offer as never);
      pending.flush();
      const answer = await pc.createAnswer();
      keepOnLoopback();
      await pc.setLocalDescription(answer);
      return local();
    },
    accept: async (answer) => {
      await pc.setRemoteDescription(answer as never);
      pending.flush();
    },
    addCandidate: (c) => pending.push(c),
    opened,
    close: async () => {
      await pc.close();
    },
  };
}

/** A new peer of `stack`, the offerer (with the channel) or the answerer. */
export function makeHalf(stack: HalfStack, offerer: boolean): Half {
  if (stack === "werift") return weriftHalf(offerer);
  const config =
    stack === "purertc-x25519"
      ? { interfaces: "loopback" as const, dtlsGroups: ["x25519" as const] }
      : { interfaces: "loopback" as const };
  return w3cHalf(new PeerConnection(config) as unknown as W3cPeer, offerer);
}
