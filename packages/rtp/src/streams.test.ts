import { forceGc, withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { accessUnit, h264Sender } from "./h264-sender.test-helper.js";
import {
  buildHeaderExtension,
  findHeaderExtension,
  H264Depacketizer,
  type MediaFrame,
  parseRtcp,
  parseRtpPacket,
  RetransmissionHistory,
  RtpReceiveStream,
  serializeRtpPacket,
  unwrapRtx,
  wrapRtx,
} from "./index.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Packet `seq` of SSRC 1 (payload type 96, 4 bytes), as a receive stream gets it: parsed off the wire. */
const wirePacket = (seq: number) =>
  parseRtpPacket(
    serializeRtpPacket({
      payloadType: 96,
      sequenceNumber: seq,
      timestamp: 0,
      ssrc: 1,
      payload: new Uint8Array(4),
    }),
  );

describe("RetransmissionHistory", () => {
  it("keeps the last 1,024 packets by sequence number and answers NACKs, once per interval", () => {
    const history = new RetransmissionHistory({ minResendIntervalMs: 10 });
    for (let s = 0; s < 2000; s++) history.store(s & 0xffff, new Uint8Array([s & 0xff]));
    expect(history.get(975)).toBeUndefined();
    expect(history.get(976)).toEqual(new Uint8Array([976 & 0xff]));
    expect(history.answerNack([100, 1500, 1999], 0)).toHaveLength(2);
    expect(history.answerNack([1500], 5)).toHaveLength(0);
    expect(history.answerNack([1500], 20)).toHaveLength(1);
    expect(history).toMatchObject({ resent: 3, missed: 1 });
    expect(() => new RetransmissionHistory({ capacity: 512 })).toThrow();
  });
});

describe("RtpSendStream", () => {
  it("answers NACKs from its history, turns PLI and new FIRs into key frame requests, counts for the SR", () => {
    const sent: Uint8Array[] = [];
    const requests: string[] = [];
    const stream = h264Sender({
      ssrc: 0xabc,
      sendRtp: (p) => sent.push(p),
      onKeyframeRequest: (reason) => requests.push(reason),
    });
    expect(stream.sendFrame(accessUnit(0), 1000, 0)).toBe(sent.length);
    const seqs = sent.map((p) => parseRtpPacket(p).sequenceNumber);
    const before = sent.length;
    stream.handleRtcp(
      { type: "nack", senderSsrc: 1, mediaSsrc: 0xabc, lost: [seqs[1]!, (seqs[0]! + 500) & 0xffff] },
      10,
    );
    expect(sent.length).toBe(before + 1);
    expect(sent.at(-1)).toBe(sent[1]);
    stream.handleRtcp({ type: "nack", senderSsrc: 1, mediaSsrc: 0xdef, lost: [seqs[1]!] }, 10); // another stream
    stream.handleRtcp({ type: "pli", senderSsrc: 1, mediaSsrc: 0xabc }, 10);
    const fir = {
      type: "fir" as const,
      senderSsrc: 1,
      mediaSsrc: 0,
      entries: [{ ssrc: 0xabc, sequenceNumber: 1 }],
    };
    stream.handleRtcp(fir, 10);
    stream.handleRtcp(fir, 10); // a repeat of the same request
    expect(requests).toEqual(["pli", "fir"]);
    const sr = stream.senderReport([], 1000, 0);
    expect(sr).toMatchObject({ ssrc: 0xabc, packetCount: before, rtpTimestamp: 1000 + 90000 });
    expect(sr.octetCount).toBe(
      sent.slice(0, before).reduce((n, p) => n + parseRtpPacket(p).payload.length, 0),
    );
    expect(stream.stats).toMatchObject({ nackCount: 1, pliCount: 1, firCount: 1, retransmittedPackets: 1 });
    stream.close();
    expect(() => stream.sendFrame(accessUnit(1), 2000)).toThrow();
  });
});

/** A sender and a receiver joined by a lossy in-process link: RTP one way, feedback the other. */
function link(lossEvery: number, rtx = false) {
  const frames: MediaFrame[] = [];
  let n = 0;
  let receiver: RtpReceiveStream | undefined;
  const sender = h264Sender({
    ssrc: 0x1111,
    // Every lossEvery-th first transmission is dropped; retransmissions (answers to NACKs) get through.
    ...(rtx ? { rtx: { ssrc: 0x3333, payloadType: 103 } } : {}),
    sendRtp: (p) => {
      if (!retransmitting && ++n % lossEvery === 0) return; // first transmissions only count
      const packet = parseRtpPacket(p);
      if (packet.ssrc === 0x3333) {
        expect(packet.payloadType).toBe(103);
        receiver?.receiveRtx(packet, 102);
      } else receiver?.receive(packet);
    },
  });
  let retransmitting = false;
  receiver = new RtpReceiveStream({
    ssrc: 0x1111,
    localSsrc: 0x2222,
    clockRate: 90000,
    depacketizer: new H264Depacketizer(),
    tickMs: 5,
    sendRtcp: (bytes) => {
      retransmitting = true;
      for (const p of parseRtcp(bytes)) sender.handleRtcp(p);
      retransmitting = false;
    },
    onFrame: (f) => frames.push(f),
  });
  return { sender, receiver, frames };
}

describe("RtpSendStream.sendRtp (relaying a camera's packets)", () => {
  it("rewrites SSRC, payload type and sequence, adds its MID extension, keeps payload and timestamp; NACKs answered", () => {
    const sent: Uint8Array[] = [];
    const mid = buildHeaderExtension([{ id: 4, data: new TextEncoder().encode("0") }]);
    const stream = h264Sender({
      ssrc: 0xbeef,
      extension: mid,
      sendRtp: (p) => sent.push(p),
    });
    const camera = (seq: number, marker: boolean) =>
      parseRtpPacket(
        serializeRtpPacket({
          marker,
          payloadType: 96,
          sequenceNumber: seq,
          timestamp: 1234,
          ssrc: 0xca,
          csrcs: [7],
          payload: new Uint8Array([0x41, seq & 0xff]),
        }),
      );
    stream.sendRtp(camera(500, false));
    stream.sendRtp(camera(501, true));
    const out = sent.map((p) => parseRtpPacket(p));
    expect(out.map((p) => [p.ssrc, p.payloadType, p.timestamp, p.marker, p.csrcs])).toEqual([
      [0xbeef, 102, 1234, false, [7]],
      [0xbeef, 102, 1234, true, [7]],
    ]);
    expect(out[1]!.sequenceNumber).toBe((out[0]!.sequenceNumber + 1) & 0xffff);
    expect(new TextDecoder().decode(findHeaderExtension(out[0]!.extension, 4))).toBe("0");
    expect([...out[1]!.payload]).toEqual([0x41, 501 & 0xff]);
    expect(stream.stats).toMatchObject({ packetsSent: 2, bytesSent: 4, framesSent: 1 });
    stream.handleRtcp(
      { type: "nack", senderSsrc: 1, mediaSsrc: 0xbeef, lost: [out[0]!.sequenceNumber] },
      100,
    );
    expect(sent.at(-1)).toBe(sent[0]);
    stream.close();
  });
});

/**
 * Sends `count` access units, one every 2 ms, over {@link link} and waits
 * (2 s at most) for them: every frame must come whole, in order.
 */
async function sendOverLink(lossEvery: number, count: number, rtx = false) {
  const ends = link(lossEvery, rtx);
  for (let i = 0; i < count; i++) {
    ends.sender.sendFrame(accessUnit(i), i * 3000);
    await sleep(2);
  }
  for (let waited = 0; ends.frames.length < count && waited < 2000; waited += 10) await sleep(10);
  expect(ends.frames.map((f) => f.timestamp)).toEqual(Array.from({ length: count }, (_, i) => i * 3000));
  expect(ends.frames.every((f) => f.complete)).toBe(true);
  return ends;
}

describe("RtpReceiveStream with NACK, over a lossy link", () => {
  it("recovers every lost packet by NACK: all frames complete, in order", async () => {
    await withLeakCheck(async () => {
      const { sender, receiver } = await sendOverLink(7, 40);
      expect(receiver.stats.nackCount).toBeGreaterThan(0);
      expect(sender.stats.retransmittedPackets).toBeGreaterThan(0);
      expect(receiver.stats.pliCount).toBe(0);
      receiver.close();
      sender.close();
    });
  });

  it("recovers through an RTX stream (RFC 4588) when one is negotiated", async () => {
    await withLeakCheck(async () => {
      const { sender, receiver } = await sendOverLink(5, 20, true);
      expect(sender.stats.retransmittedPackets).toBeGreaterThan(0);
      receiver.close();
      sender.close();
    });
  });

  it("wraps and unwraps RTX packets: OSN, SSRC and payload type; padding-only probes give nothing", () => {
    const original = parseRtpPacket(
      serializeRtpPacket({
        marker: true,
        payloadType: 96,
        sequenceNumber: 4242,
        timestamp: 9,
        ssrc: 1,
        payload: new Uint8Array([1, 2, 3]),
      }),
    );
    const rtx = parseRtpPacket(wrapRtx(original, { ssrc: 2, payloadType: 97, sequenceNumber: 7 }));
    expect(rtx).toMatchObject({ ssrc: 2, payloadType: 97, sequenceNumber: 7, timestamp: 9, marker: true });
    const back = unwrapRtx(rtx, { ssrc: 1, payloadType: 96 })!;
    expect({ ...back, payload: [...back.payload] }).toEqual({ ...original, payload: [1, 2, 3] });
    expect(unwrapRtx({ ...rtx, payload: new Uint8Array(0) }, { ssrc: 1, payloadType: 96 })).toBeUndefined();
    expect(() => unwrapRtx({ ...rtx, payload: new Uint8Array(1) }, { ssrc: 1, payloadType: 96 })).toThrow();
  });

  it("sends a PLI when a loss cannot be repaired, until a key frame comes", async () => {
    await withLeakCheck(async () => {
      const pli: number[] = [];
      const frames: MediaFrame[] = [];
      const sent: Uint8Array[] = [];
      const sender = h264Sender({
        ssrc: 5,
        sendRtp: (p) => sent.push(p),
      });
      for (let i = 0; i < 3; i++) sender.sendFrame(accessUnit(i), i * 3000);
      const receiver = new RtpReceiveStream({
        ssrc: 5,
        localSsrc: 6,
        clockRate: 90000,
        depacketizer: new H264Depacketizer(),
        nack: { maxRetries: 1, retryIntervalMs: 5 },
        reorder: { maxDelayMs: 5 },
        tickMs: 5,
        pliIntervalMs: 20,
        sendRtcp: (bytes) => {
          for (const p of parseRtcp(bytes)) if (p.type === "pli") pli.push(p.mediaSsrc);
        },
        onFrame: (f) => frames.push(f),
      });
      for (const [i, p] of sent.entries()) if (i !== 2) receiver.receive(parseRtpPacket(p));
      await sleep(80);
      expect(pli.length).toBeGreaterThanOrEqual(2);
      expect(pli.every((s) => s === 5)).toBe(true);
      const count = pli.length;
      sender.sendFrame(accessUnit(30), 90000); // an IDR
      for (const p of sent.slice(-Math.ceil(3000 / 1100) - 1)) receiver.receive(parseRtpPacket(p));
      await sleep(60);
      expect(frames.at(-1)!.keyframe).toBe(true);
      expect(pli.length).toBeLessThanOrEqual(count + 1);
      receiver.close();
      sender.close();
    });
  });

  it("puts feedback behind an RR and an SDES CNAME when reduced-size RTCP was not negotiated", async () => {
    await withLeakCheck(async () => {
      const sent: Uint8Array[] = [];
      const stream = new RtpReceiveStream({
        ssrc: 1,
        localSsrc: 2,
        clockRate: 90000,
        cname: "me",
        sendRtcp: (b) => sent.push(b),
      });
      stream.receive(wirePacket(1));
      stream.receive(wirePacket(3));
      stream.requestKeyframe();
      const [nack, pli] = sent.map((b) => parseRtcp(b));
      expect(nack!.map((x) => x.type)).toEqual(["rr", "sdes", "nack"]);
      expect(nack![0]).toMatchObject({ ssrc: 2, reports: [{ ssrc: 1, cumulativeLost: 1 }] });
      expect(nack![2]).toMatchObject({ lost: [2] });
      expect(pli!.map((x) => x.type)).toEqual(["rr", "sdes", "pli"]);
      stream.close();
    });
  });

  it("close() from any state cancels its timer and the stream is collected", async () => {
    let ref: WeakRef<object> | undefined;
    await withLeakCheck(async () => {
      const receiver = new RtpReceiveStream({
        ssrc: 1,
        localSsrc: 2,
        clockRate: 90000,
        sendRtcp: () => {},
        tickMs: 1000,
      });
      receiver.receive(wirePacket(1));
      receiver.receive(wirePacket(5)); // a gap: timer armed
      receiver.close();
      receiver.close();
      ref = new WeakRef(receiver);
    });
    await forceGc();
    expect(ref!.deref()).toBeUndefined();
  });
});
