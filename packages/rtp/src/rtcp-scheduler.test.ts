import { setTimeout as sleep } from "node:timers/promises";
import { forceGc, withLeakCheck } from "@purertc/socket/testing";
import { describe, expect, it } from "vitest";
import { accessUnit, h264Sender } from "./h264-sender.test-helper.js";
import { parseRtcp, parseRtpPacket, RtcpScheduler, RtpReceiveStream, serializeRtpPacket } from "./index.js";

describe("RtcpScheduler", () => {
  it("sends SR + SDES about every interval, with report blocks about received streams; close stops it", async () => {
    await withLeakCheck(async () => {
      const reports: Uint8Array[] = [];
      const sender = h264Sender({
        ssrc: 10,
        sendRtp: () => {},
      });
      const receiver = new RtpReceiveStream({
        ssrc: 20,
        localSsrc: 10,
        clockRate: 90000,
        sendRtcp: () => {},
      });
      receiver.receive(
        parseRtpPacket(
          serializeRtpPacket({
            payloadType: 96,
            sequenceNumber: 9,
            timestamp: 0,
            ssrc: 20,
            payload: new Uint8Array(4),
          }),
        ),
      );
      const scheduler = new RtcpScheduler({
        localSsrc: 10,
        cname: "purertc",
        sendRtcp: (b) => reports.push(b),
        intervalMs: 20,
      });
      scheduler.addSendStream(sender);
      scheduler.addReceiveStream(receiver);
      sender.sendFrame(accessUnit(0), 0);
      await sleep(120);
      expect(reports.length).toBeGreaterThanOrEqual(3);
      const [sr, sdes] = parseRtcp(reports[0]!);
      expect(sr).toMatchObject({
        type: "sr",
        ssrc: 10,
        reports: [{ ssrc: 20, highestSequence: 9, cumulativeLost: 0 }],
      });
      expect(sdes).toEqual({ type: "sdes", chunks: [{ ssrc: 10, items: [{ type: 1, value: "purertc" }] }] });
      scheduler.removeSendStream(sender);
      expect(scheduler.buildReport()[0]).toMatchObject({ type: "rr", ssrc: 10 });
      scheduler.close();
      const count = reports.length;
      await sleep(50);
      expect(reports.length).toBe(count);
      receiver.close();
      sender.close();
    });
  });

  it("sends an RR, not an SR, for a send stream that has sent nothing; closed objects are collected", async () => {
    const refs: WeakRef<object>[] = [];
    await withLeakCheck(async () => {
      const sender = h264Sender({
        ssrc: 10,
        sendRtp: () => {},
      });
      const scheduler = new RtcpScheduler({ localSsrc: 11, cname: "c", sendRtcp: () => {}, intervalMs: 10 });
      scheduler.addSendStream(sender);
      expect(scheduler.buildReport().map((p) => p.type)).toEqual(["rr", "sdes"]);
      await sleep(30);
      expect(scheduler.reportsSent).toBeGreaterThan(0);
      scheduler.close();
      sender.close();
      refs.push(new WeakRef(scheduler), new WeakRef(sender));
    });
    await forceGc();
    expect(refs.map((r) => r.deref())).toEqual([undefined, undefined]);
  });

  it("bye() sends a final report with BYE and stops", async () => {
    await withLeakCheck(async () => {
      const reports: Uint8Array[] = [];
      using scheduler = new RtcpScheduler({ localSsrc: 3, cname: "x", sendRtcp: (b) => reports.push(b) });
      scheduler.bye("done");
      expect(parseRtcp(reports[0]!).map((p) => p.type)).toEqual(["rr", "sdes", "bye"]);
    });
  });
});
