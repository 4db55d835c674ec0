import { PeerConnection } from "@purertc/peerconnection";
import { type BulkSender, type Description, gatheringComplete, type Half, Pending } from "./half.js";
import type { W3cChannel, W3cPeer } from "./stacks.js";

export type { Description, Half } from "./half.js";

/** The stacks the two-process open is measured for. */
export type HalfStack = "purertc" | "purertc-x25519" | "werift" | "node-datachannel";

/**
 * One side on a W3C-shaped PeerConnection. `whole`: descriptions go once gathering is complete,
 * candidates inside, none trickled (node-datachannel: with trickle, libdatachannel waits ~1 s).
 */
function w3cHalf(pc: W3cPeer, offerer: boolean, whole = false): Half {
  const pending = new Pending((c) => pc.addIceCandidate(c));
  let opened: Promise<void> = Promise.resolve();
  let sender: BulkSender | undefined;
  let received = 0;
  if (offerer) {
    const channel: W3cChannel = pc.createDataChannel("bench");
    channel.binaryType = "arraybuffer";
    opened = new Promise<void>((resolve) => channel.addEventListener("open", () => resolve()));
    sender = {
      send: (d) => channel.send(d as never),
      bufferedAmount: () => channel.bufferedAmount,
      onLow: (threshold, fn) => {
        channel.bufferedAmountLowThreshold = threshold;
        channel.addEventListener("bufferedamountlow", fn);
      },
    };
  } else {
    pc.addEventListener("datachannel", ((e: { channel: W3cChannel }) => {
      e.channel.binaryType = "arraybuffer";
      e.channel.addEventListener("message", ((m: { data: ArrayBuffer | string }) => {
        received += typeof m.data === "string" ? m.data.length : m.data.byteLength;
      }) as never);
    }) as never);
  }
  const local = async () => {
    if (whole) await gatheringComplete(pc);
    const { type, sdp } = pc.localDescription as Description;
    return { type, sdp };
  };
  let answerCpuMs = 0;
  return {
    onCandidate: (fn) =>
      pc.addEventListener("icecandidate", ((e: { candidate: { candidate?: string } | null }) => {
        if (e.candidate?.candidate && !whole) fn(e.candidate);
      }) as never),
    offer: async () => {
      await pc.setLocalDescription(await pc.createOffer());
      return local();
    },
    answer: async (offer) => {
      const cpu = process.cpuUsage();
      await pc.setRemoteDescription(offer);
      pending.flush();
      await pc.setLocalDescription(await pc.createAnswer());
      const used = process.cpuUsage(cpu);
      answerCpuMs = (used.user + used.system) / 1000;
      return local();
    },
    get answerCpuMs() {
      return answerCpuMs;
    },
    accept: async (answer) => {
      await pc.setRemoteDescription(answer);
      pending.flush();
    },
    addCandidate: (c) => pending.push(c),
    opened,
    sender,
    received: () => received,
    close: async () => {
      await pc.close();
    },
  };
}

/**
 * Makes peers of `stack`, the offerer (with the channel) or the answerer;
 * werift and node-datachannel are imported only in their own processes.
 */
export async function halfMaker(stack: HalfStack): Promise<(offerer: boolean) => Half> {
  if (stack === "werift") return (await import("./halves-werift.js")).weriftHalf;
  if (stack === "node-datachannel") {
    const { RTCPeerConnection } = await import("node-datachannel/polyfill");
    return (offerer) =>
      w3cHalf(new RTCPeerConnection({ iceServers: [] } as never) as unknown as W3cPeer, offerer, true);
  }
  const config =
    stack === "purertc-x25519"
      ? { interfaces: "loopback" as const, dtlsGroups: ["x25519" as const] }
      : { interfaces: "loopback" as const };
  return (offerer) => w3cHalf(new PeerConnection(config) as unknown as W3cPeer, offerer);
}

/** Before the process exits: node-datachannel's native threads stop only at cleanup(). */
export async function cleanupHalves(stack: HalfStack): Promise<void> {
  if (stack !== "node-datachannel") return;
  const ndc = (await import("node-datachannel")) as unknown as { default: { cleanup(): void } };
  ndc.default.cleanup();
}
