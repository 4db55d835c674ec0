import { type DatagramEvent, PeerConnection } from "@purertc/peerconnection";
import { negotiateWeriftLoopback, weriftLoopbackPeer } from "../werift-loopback.js";
import { gatheringComplete } from "./half.js";
import { floorPair } from "./node-floor.js";
import type { ChannelPair, RawDatagrams } from "./pair.js";

/**
 * `purertc-tcp`: purertc over ICE-TCP only (one passive, one active PeerConnection, no UDP candidates).
 * `purertc-x25519`: purertc with DTLS key exchange on x25519 alone (`dtlsGroups: ["x25519"]`), not
 * the default X25519MLKEM768 hybrid: the open without ML-KEM on its critical path (open figures only).
 * `purertc-data`: purertc with SCTP DATA chunks, no I-DATA (`sctpInterleaving: false`), as with a pion,
 * werift, libdatachannel or Chromium peer (transfer figures only).
 * `node-floor`: no stack: Node's AES-GCM and UDP per record with no protocol (node-floor.ts), the
 * floor under any JavaScript stack's transfer figures (transfer figures only).
 */
export type StackName =
  | "purertc"
  | "purertc-tcp"
  | "purertc-x25519"
  | "purertc-data"
  | "werift"
  | "node-datachannel"
  | "node-floor";

/** The W3C shape both purertc and node-datachannel's polyfill have (also used by halves.ts). */
export interface W3cChannel {
  readyState: string;
  binaryType: string;
  bufferedAmount: number;
  bufferedAmountLowThreshold: number;
  send(data: never): void;
  addEventListener(type: string, fn: (e: { data?: unknown }) => void): void;
  removeEventListener(type: string, fn: (e: { data?: unknown }) => void): void;
}
export interface W3cPeer {
  createDataChannel(label: string): W3cChannel;
  addEventListener(type: string, fn: (e: never) => void): void;
  createOffer(): Promise<{ type: string; sdp?: string }>;
  createAnswer(): Promise<{ type: string; sdp?: string }>;
  setLocalDescription(d: unknown): Promise<void>;
  setRemoteDescription(d: unknown): Promise<void>;
  addIceCandidate(c: unknown): Promise<void>;
  readonly localDescription: unknown;
  close(): unknown;
}

const size = (data: unknown): number =>
  typeof data === "string" ? data.length : ((data as ArrayBuffer | Uint8Array).byteLength ?? 0);

async function w3cPair(
  make: () => W3cPeer,
  keepCandidate: (c: string) => boolean,
  whole = false,
  raw?: (a: W3cPeer, b: W3cPeer) => RawDatagrams,
): Promise<ChannelPair> {
  const start = performance.now();
  const a = make();
  const b = make();
  // Candidates wait until the receiver has the remote description (libdatachannel refuses them before).
  const ready = new Map<W3cPeer, boolean>();
  const waiting = new Map<W3cPeer, unknown[]>([
    [a, []],
    [b, []],
  ]);
  const forward = (to: W3cPeer) => (e: { candidate: { candidate?: string } | null }) => {
    if (!e.candidate?.candidate || !keepCandidate(e.candidate.candidate)) return;
    if (ready.get(to)) void to.addIceCandidate(e.candidate).catch(() => {});
    else waiting.get(to)!.push(e.candidate);
  };
  const remoteSet = async (to: W3cPeer) => {
    ready.set(to, true);
    for (const c of waiting.get(to)!) await to.addIceCandidate(c).catch(() => {});
  };
  a.addEventListener("icecandidate", forward(b) as never);
  b.addEventListener("icecandidate", forward(a) as never);
  const channel = a.createDataChannel("bench");
  channel.binaryType = "arraybuffer";
  const remote = new Promise<W3cChannel>((resolve) =>
    b.addEventListener("datachannel", ((e: { channel: W3cChannel }) => {
      e.channel.binaryType = "arraybuffer";
      resolve(e.channel);
    }) as never),
  );
  const opened = new Promise<void>((resolve) => channel.addEventListener("open", () => resolve()));
  // whole: descriptions go once gathering is complete, candidates inside (no trickle).
  const gathered = (pc: W3cPeer) => (whole ? gatheringComplete(pc) : Promise.resolve());
  await a.setLocalDescription(await a.createOffer());
  await gathered(a);
  await b.setRemoteDescription(a.localDescription);
  await remoteSet(b);
  await b.setLocalDescription(await b.createAnswer());
  await gathered(b);
  await a.setRemoteDescription(b.localDescription);
  await remoteSet(a);
  await opened;
  const openMs = performance.now() - start;
  const other = await remote;
  return {
    openMs,
    send: (d) => channel.send(d as never),
    bufferedAmount: () => channel.bufferedAmount,
    onBufferedAmountLow: (threshold, fn) => {
      channel.bufferedAmountLowThreshold = threshold;
      channel.addEventListener("bufferedamountlow", fn);
      return () => channel.removeEventListener("bufferedamountlow", fn);
    },
    onMessage: (fn) => {
      const listener = (e: { data?: unknown }) => fn(size(e.data));
      other.addEventListener("message", listener);
      return () => other.removeEventListener("message", listener);
    },
    ...(raw ? { raw: raw(a, b) } : {}),
    close: async () => {
      await a.close();
      await b.close();
    },
  };
}

async function weriftPair(): Promise<ChannelPair> {
  const start = performance.now();
  const a = weriftLoopbackPeer();
  const b = weriftLoopbackPeer();
  const channel = a.createDataChannel("bench");
  const remote = new Promise<typeof channel>((resolve) => b.onDataChannel.subscribe((dc) => resolve(dc)));
  const opened = new Promise<void>((resolve) =>
    channel.stateChanged.subscribe((s) => {
      if (s === "open") resolve();
    }),
  );
  await negotiateWeriftLoopback(a, b);
  await opened;
  const openMs = performance.now() - start;
  const other = await remote;
  return {
    openMs,
    send: (d) => channel.send(typeof d === "string" ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength)),
    bufferedAmount: () => channel.bufferedAmount,
    onBufferedAmountLow: (threshold, fn) => {
      channel.bufferedAmountLowThreshold = threshold;
      return channel.bufferedAmountLow.subscribe(fn).unSubscribe;
    },
    onMessage: (fn) => other.onMessage.subscribe((d) => fn(d.length)).unSubscribe,
    close: async () => {
      await a.close();
      await b.close();
    },
  };
}

/** purertc's raw datagrams (sendDatagram → `datagram` events) between the pair's two PeerConnections. */
function purertcRaw(a: W3cPeer, b: W3cPeer): RawDatagrams {
  const from = a as unknown as PeerConnection;
  const to = b as unknown as PeerConnection;
  return {
    recordSize: () => from.sctp?.maxPacketSize ?? 1160,
    send: (d) => from.sendDatagram(d),
    onReceive: (fn) => {
      const listener = (e: DatagramEvent) => fn(e.data.byteLength);
      to.addEventListener("datagram", listener);
      return () => to.removeEventListener("datagram", listener);
    },
  };
}

/** Makes pairs of one stack (node-datachannel is imported only in its own process). */
export async function pairMaker(stack: StackName): Promise<() => Promise<ChannelPair>> {
  if (stack === "purertc") {
    return () =>
      w3cPair(
        () => new PeerConnection({ interfaces: "loopback" }) as unknown as W3cPeer,
        () => true,
        false,
        purertcRaw,
      );
  }
  if (stack === "purertc-x25519") {
    return () =>
      w3cPair(
        () => new PeerConnection({ interfaces: "loopback", dtlsGroups: ["x25519"] }) as unknown as W3cPeer,
        () => true,
      );
  }
  if (stack === "purertc-data") {
    return () =>
      w3cPair(
        () => new PeerConnection({ interfaces: "loopback", sctpInterleaving: false }) as unknown as W3cPeer,
        () => true,
        false,
        purertcRaw,
      );
  }
  if (stack === "purertc-tcp") {
    // w3cPair makes the offerer first: it listens (passive), the answerer dials (active).
    let made = 0;
    return () =>
      w3cPair(
        () =>
          new PeerConnection({
            interfaces: "loopback",
            tcpCandidates: made++ % 2 === 0 ? "passive" : "active",
            udpCandidates: false,
          }) as unknown as W3cPeer,
        () => true,
      );
  }
  if (stack === "werift") return weriftPair;
  if (stack === "node-floor") return floorPair;
  const { RTCPeerConnection } = await import("node-datachannel/polyfill");
  return () =>
    w3cPair(
      () => new RTCPeerConnection({ iceServers: [] } as never) as unknown as W3cPeer,
      // libdatachannel's descriptions carry its candidates (this machine's interfaces) once
      // gathering is complete: without trickle it connects at once, with trickle it waits ~1 s.
      () => false,
      true,
    );
}

/** node-datachannel's native threads keep the process alive until cleanup(). */
export async function cleanupStack(stack: StackName): Promise<void> {
  if (stack !== "node-datachannel") return;
  const ndc = (await import("node-datachannel")) as unknown as { default: { cleanup(): void } };
  ndc.default.cleanup();
}
