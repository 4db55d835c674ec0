import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  H264Depacketizer,
  NackGenerator,
  ReceptionStats,
  ReorderBuffer,
  type RtpPacket,
  RtpReceiveStream,
} from "./index.js";

const packet = (sequenceNumber: number, timestamp = 0): RtpPacket => ({
  marker: false,
  payloadType: 96,
  sequenceNumber,
  timestamp,
  ssrc: 1,
  csrcs: [],
  extension: undefined,
  payload: new Uint8Array(10),
  paddingLength: 0,
});
const seqs = (list: readonly RtpPacket[]) => list.map((p) => p.sequenceNumber);

describe("ReorderBuffer", () => {
  it("passes in-order packets through, holds early ones and releases them when the gap fills (across the wrap)", () => {
    const buffer = new ReorderBuffer();
    expect(seqs(buffer.push(packet(65534), 0))).toEqual([65534]);
    expect(seqs(buffer.push(packet(0), 1))).toEqual([]);
    expect(seqs(buffer.push(packet(1), 2))).toEqual([]);
    expect(buffer.size).toBe(2);
    expect(seqs(buffer.push(packet(65535), 3))).toEqual([65535, 0, 1]);
    expect(seqs(buffer.push(packet(65535), 4))).toEqual([]);
    expect(buffer.stats).toMatchObject({ released: 4, late: 1, skipped: 0 });
  });

  it("gives a gap up after maxDelayMs (on push or poll) and counts duplicates", () => {
    const buffer = new ReorderBuffer({ maxDelayMs: 50 });
    buffer.push(packet(10), 0);
    expect(seqs(buffer.push(packet(12), 10))).toEqual([]);
    expect(seqs(buffer.push(packet(12), 11))).toEqual([]);
    expect(seqs(buffer.poll(59))).toEqual([]);
    expect(seqs(buffer.poll(60))).toEqual([12]);
    expect(buffer.stats).toMatchObject({ skipped: 1, duplicates: 1 });
    expect(seqs(buffer.push(packet(11), 61))).toEqual([]); // too late now
    expect(buffer.stats.late).toBe(1);
  });

  it("starts over when the source restarts far behind", () => {
    const buffer = new ReorderBuffer();
    buffer.push(packet(30000), 0);
    buffer.push(packet(30002), 0);
    expect(seqs(buffer.push(packet(100), 1))).toEqual([30002, 100]);
    expect(seqs(buffer.push(packet(101), 2))).toEqual([101]);
    const nack = new NackGenerator();
    nack.received(30000, 0);
    nack.received(30002, 0);
    nack.received(100, 0);
    nack.received(102, 0);
    expect(nack.due(0)).toEqual([101]);
  });

  it("stays bounded: a packet beyond the capacity flushes what is held", () => {
    const buffer = new ReorderBuffer({ capacity: 16 });
    buffer.push(packet(0), 0);
    buffer.push(packet(5), 0);
    expect(seqs(buffer.push(packet(40), 0))).toEqual([5, 40]);
    expect(buffer.size).toBe(0);
    expect(() => new ReorderBuffer({ capacity: 100 })).toThrow();
  });

  it("property: any arrival order within the window comes out sorted and complete", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 200 }),
        (start, keys) => {
          // A permutation of start..start+n-1 where each packet is displaced by less than 64 places.
          const n = keys.length;
          const order = keys
            .map((k, i) => ({ i, key: i + (k % 64) }))
            .sort((a, b) => a.key - b.key)
            .map((x) => x.i);
          // The first packet pushed fixes the start: make it the lowest.
          if (order[0] !== 0) {
            order.splice(order.indexOf(0), 1);
            order.unshift(0);
          }
          const buffer = new ReorderBuffer({ capacity: 128, maxDelayMs: 1e9 });
          const out = order.flatMap((i) => seqs(buffer.push(packet((start + i) & 0xffff), 0)));
          expect(out).toEqual(Array.from({ length: n }, (_, i) => (start + i) & 0xffff));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("NackGenerator", () => {
  it("NACKs a gap at once, retries after the interval, stops on recovery", () => {
    const nack = new NackGenerator({ retryIntervalMs: 100 });
    nack.received(65533, 0);
    nack.received(1, 0); // 65534, 65535, 0 missing
    expect(nack.due(0)).toEqual([65534, 65535, 0]);
    expect(nack.due(50)).toEqual([]);
    nack.received(65535, 60);
    expect(nack.due(100)).toEqual([65534, 0]);
    expect(nack.stats).toMatchObject({ nacksSent: 5, recovered: 1, givenUp: 0 });
    expect(nack.keyframeNeeded).toBe(false);
  });

  it("gives up after maxRetries and asks for a key frame; a key frame clears it", () => {
    const nack = new NackGenerator({ maxRetries: 3, retryIntervalMs: 10 });
    nack.received(1, 0);
    nack.received(3, 0);
    const sent = [0, 10, 20, 30, 40].map((t) => nack.due(t).length);
    expect(sent).toEqual([1, 1, 1, 0, 0]);
    expect(nack.missingCount).toBe(0);
    expect(nack.keyframeNeeded).toBe(true);
    nack.keyframeReceived();
    expect(nack.keyframeNeeded).toBe(false);
  });

  it("gives up what the reorder buffer moved past", () => {
    const nack = new NackGenerator();
    nack.received(65534, 0);
    nack.received(3, 0); // 65535, 0, 1, 2 missing
    nack.giveUpBefore(1);
    expect(nack.due(0)).toEqual([1, 2]);
    expect(nack.stats.givenUp).toBe(2);
    expect(nack.keyframeNeeded).toBe(true);
  });

  it("keeps its list bounded: a huge gap is given up whole, the oldest entries go first", () => {
    const nack = new NackGenerator({ maxMissing: 8 });
    nack.received(0, 0);
    nack.received(1000, 0);
    expect(nack.missingCount).toBe(0);
    expect(nack.stats.givenUp).toBe(999);
    nack.received(1006, 0); // 5 missing
    nack.received(1012, 0); // 5 more: 2 oldest pushed out
    expect(nack.missingCount).toBe(8);
    expect(nack.due(0)[0]).toBe(1003);
  });
});

describe("ReceptionStats (RFC 3550 A.1, A.3, A.8)", () => {
  it("counts loss, fraction lost per interval and the extended sequence across a wrap", () => {
    const stats = new ReceptionStats(7, 90000);
    for (const s of [65530, 65531, 65533, 65534, 0, 1, 2, 4]) stats.received(s, 0, 100, 0);
    // Expected 65530..65540 (11), received 8.
    expect(stats.extendedHighestSequence).toBe(65536 + 4);
    expect(stats.cumulativeLost).toBe(3);
    const block = stats.reportBlock(0);
    expect(block).toMatchObject({
      ssrc: 7,
      cumulativeLost: 3,
      fractionLost: Math.floor((3 * 256) / 11),
      highestSequence: 65540,
    });
    for (const s of [5, 6, 7, 8]) stats.received(s, 0, 100, 0);
    expect(stats.reportBlock(0).fractionLost).toBe(0);
  });

  it("jitter: zero for a steady stream, J += (|D| - J)/16 for a late packet (A.8)", () => {
    const stats = new ReceptionStats(1, 90000);
    for (let i = 0; i < 10; i++) stats.received(i, i * 3000, 100, (i * 1000) / 30);
    expect(stats.jitter).toBe(0);
    stats.received(10, 30000, 100, 10000 / 30 + 10); // 10 ms late = 900 timestamp units
    expect(stats.jitter).toBe(Math.floor(900 / 16));
  });

  it("fills LSR and DLSR from the last SR", () => {
    const stats = new ReceptionStats(1, 90000);
    stats.received(1, 0, 10, 0);
    stats.senderReport(0x0001_2345_6789_0000n, 1000);
    const block = stats.reportBlock(1500);
    expect(block.lastSenderReport).toBe(0x23456789);
    expect(block.delaySinceLastSenderReport).toBe(32768);
  });
});

describe("receive machinery under arbitrary streams", () => {
  it("property: jumps, repeats and reversals never throw and never grow past the bounds", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: -40000, max: 40000 }), fc.nat(), fc.integer({ min: 0, max: 200 })),
          { maxLength: 200 },
        ),
        (steps) => {
          const sent: Uint8Array[] = [];
          const stream = new RtpReceiveStream({
            ssrc: 1,
            localSsrc: 2,
            clockRate: 90000,
            depacketizer: new H264Depacketizer({ maxFrameBytes: 10_000 }),
            sendRtcp: (b) => sent.push(b),
            nack: { maxMissing: 64 },
            reorder: { capacity: 64, maxDelayMs: 50 },
            tickMs: 60_000, // the timer never fires here; close() below cancels it
          });
          let seq = 0;
          let now = 0;
          for (const [jump, ts, len] of steps) {
            // Mostly +1, sometimes a big jump or a step back.
            seq = (seq + (Math.abs(jump) < 30000 ? 1 : jump) + 0x10000) & 0xffff;
            now += ts % 30;
            stream.receive(
              {
                ...packet(seq, (ts % 5) * 3000),
                marker: ts % 3 === 0,
                payload: new Uint8Array(len).fill(0x41),
              },
              now,
            );
            expect(stream.stats.packetsReceived).toBeGreaterThan(0);
          }
          const internals = stream as unknown as { reorder: ReorderBuffer; nack: NackGenerator };
          expect(internals.reorder.size).toBeLessThanOrEqual(64);
          expect(internals.nack.missingCount).toBeLessThanOrEqual(64);
          stream.close();
        },
      ),
      { numRuns: 300 },
    );
  });
});
