import { PeerConnection } from "@purertc/peerconnection";
import { type BulkSender, type Description, type Half, Pending } from "./half.js";
import type { W3cChannel, W3cPeer } from "./stacks.js";

export type { Description, Half } from "./half.js";

/** The stacks the two-process open is measured for. */
export type HalfStack = "purertc" | "purertc-x25519" | "werift";

function w3cHalf(pc: W3cPeer, offerer: boolean): Half {
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
  const local = () => pc.localDescription as Description;
  let answerCpuMs = 0;
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
 * werift is imported only in werift's processes.
 */
export async function halfMaker(stack: HalfStack): Promise<(offerer: boolean) => Half> {
  if (stack === "werift") return (await import("./halves-werift.js")).weriftHalf;
  const config =
    stack === "purertc-x25519"
      ? { interfaces: "loopback" as const, dtlsGroups: ["x25519" as const] }
      : { interfaces: "loopback" as const };
  return (offerer) => w3cHalf(new PeerConnection(config) as unknown as W3cPeer, offerer);
}
