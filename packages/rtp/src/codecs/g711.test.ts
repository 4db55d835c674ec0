import { join } from "node:path";
import { ffmpeg, tempDir } from "@purertc/interop/ffmpeg";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { G711Depacketizer, G711Payloader, parseRtpPacket, RtpError, RtpPacketizer } from "../index.js";

describe("G.711 (RFC 3551 §4.5.14)", () => {
  it("ffmpeg's A-law and µ-law of a tone, 20 ms a packet, come back byte for byte with 160-sample timestamp steps", () => {
    const tmp = tempDir("purertc-rtp-");
    try {
      for (const [format, payloadType] of [
        ["alaw", 8],
        ["mulaw", 0],
      ] as const) {
        const samples = ffmpeg(
          ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000", "-t", "1", "-f", format],
          join(tmp.dir, `tone.${format}`),
        );
        expect(samples.length).toBe(8000);
        const packetizer = new RtpPacketizer({
          payloader: new G711Payloader(),
          ssrc: 5,
          payloadType,
          sequenceNumber: 65530,
        });
        const rtp = [];
        for (let at = 0; at < samples.length; at += 160)
          rtp.push(...packetizer.packetize(samples.subarray(at, at + 160), at));
        expect(rtp).toHaveLength(50);
        const parsed = rtp.map((p) => parseRtpPacket(p));
        // Audio: the marker flags the talkspurt's first packet only (RFC 3551 §4.1).
        expect(parsed.map((p) => p.marker)).toEqual([true, ...new Array(49).fill(false)]);
        expect(parsed.every((p) => p.payloadType === payloadType)).toBe(true);
        const d = new G711Depacketizer();
        const frames = parsed.flatMap((p) => d.push(p));
        expect(Buffer.concat(frames.map((f) => f.data))).toEqual(Buffer.from(samples));
        expect(frames.map((f) => f.timestamp)).toEqual(Array.from({ length: 50 }, (_, i) => i * 160));
        expect(d.stats).toMatchObject({ packets: 50, frames: 50, packetsLost: 0 });
      }
    } finally {
      tmp.remove();
    }
  });

  it("refuses an empty frame or one over the budget (typed); any split of a stream loses nothing but counts gaps", () => {
    expect(() => new G711Payloader().payload(new Uint8Array(0), 1200)).toThrow(RtpError);
    expect(() => new G711Payloader().payload(new Uint8Array(1201), 1200)).toThrow(RtpError);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 3, maxLength: 30 }),
        fc.nat(),
        (sizes, skip) => {
          const packetizer = new RtpPacketizer({ payloader: new G711Payloader(), ssrc: 1, payloadType: 8 });
          let ts = 0;
          const rtp = sizes.map((n) => {
            ts += n;
            return packetizer.packetize(new Uint8Array(n).fill(n & 0xff), ts)[0]!;
          });
          // One packet lost inside the stream: every other frame comes back whole, the gap is counted.
          const lost = 1 + (skip % (rtp.length - 2));
          const d = new G711Depacketizer();
          const frames = rtp.filter((_, i) => i !== lost).flatMap((p) => d.push(parseRtpPacket(p)));
          expect(frames.map((f) => f.data.length)).toEqual(sizes.filter((_, i) => i !== lost));
          expect(d.stats.packetsLost).toBe(1);
        },
      ),
      { numRuns: 300 },
    );
  });
});
