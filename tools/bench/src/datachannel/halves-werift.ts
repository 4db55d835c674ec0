import { keepWeriftOnLoopback, weriftLoopbackPeer } from "../werift-loopback.js";
import { type BulkSender, type Description, type Half, Pending } from "./half.js";

/** werift's side of the two-process open (halves.ts), configured as the one-process pair in stacks.ts. */
export function weriftHalf(offerer: boolean): Half {
  const pc = weriftLoopbackPeer();
  const keepOnLoopback = () => keepWeriftOnLoopback(pc);
  const pending = new Pending((c) => pc.addIceCandidate(c as never));
  let opened: Promise<void> = Promise.resolve();
  let sender: BulkSender | undefined;
  let received = 0;
  if (offerer) {
    const channel = pc.createDataChannel("bench");
    opened = new Promise<void>((resolve) =>
      channel.stateChanged.subscribe((s) => {
        if (s === "open") resolve();
      }),
    );
    sender = {
      send: (d) => channel.send(Buffer.from(d.buffer, d.byteOffset, d.byteLength)),
      bufferedAmount: () => channel.bufferedAmount,
      onLow: (threshold, fn) => {
        channel.bufferedAmountLowThreshold = threshold;
        channel.bufferedAmountLow.subscribe(fn);
      },
    };
  } else {
    pc.onDataChannel.subscribe((dc) => {
      dc.onMessage.subscribe((d) => {
        received += d.length;
      });
    });
  }
  const local = (): Description => ({ type: pc.localDescription!.type, sdp: pc.localDescription!.sdp });
  let answerCpuMs = 0;
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
      const cpu = process.cpuUsage();
      await pc.setRemoteDescription(offer as never);
      pending.flush();
      const answer = await pc.createAnswer();
      keepOnLoopback();
      await pc.setLocalDescription(answer);
      const used = process.cpuUsage(cpu);
      answerCpuMs = (used.user + used.system) / 1000;
      return local();
    },
    get answerCpuMs() {
      return answerCpuMs;
    },
    accept: async (answer) => {
      await pc.setRemoteDescription(answer as never);
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
