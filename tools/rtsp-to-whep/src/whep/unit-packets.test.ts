import { H264Depacketizer, joinAnnexB, parseRtpPacket, splitAnnexB } from "@purertc/rtp";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AccessUnit } from "../h264-source.js";
import { UnitPackets } from "./unit-packets.js";

// NAL units of an access unit: SPS/PPS/IDR for a key frame, else non-IDR slices; sizes up to several packets.
const nal = (type: number) =>
  fc.uint8Array({ minLength: 1, maxLength: 4000 }).map((body) => {
    const out = new Uint8Array(body.length + 1);
    out[0] = 0x60 | type; // nal_ref_idc 3
    // No start-code look-alikes inside a NAL unit (Annex-B emulation prevention guarantees it on the wire).
    for (let i = 0; i < body.length; i++) out[i + 1] = body[i]! | 0x04;
    return out;
  });
const unit = fc.oneof(
  fc.tuple(nal(7), nal(8), nal(5)).map(([sps, pps, idr]) => ({ nalus: [sps, pps, idr], keyframe: true })),
  fc.array(nal(1), { minLength: 1, maxLength: 3 }).map((nalus) => ({ nalus, keyframe: false })),
);

describe("UnitPackets: each access unit packetized once for all viewers", () => {
  it("the packets of a unit depacketize back to its NAL units, fit the budget, and are the same array for every viewer", () => {
    fc.assert(
      fc.property(fc.array(unit, { minLength: 1, maxLength: 8 }), (units) => {
        const packets = new UnitPackets();
        const depacketizer = new H264Depacketizer();
        let sequence = 0;
        for (const [i, u] of units.entries()) {
          const au: AccessUnit = { data: joinAnnexB(u.nalus), timestamp: i * 3000, keyframe: u.keyframe };
          const first = packets.packetsOf(au);
          expect(packets.packetsOf(au)).toBe(first); // a second viewer: no new packetization
          const frames = [];
          for (const bytes of first) {
            expect(bytes.length).toBeLessThanOrEqual(1200 - 16);
            // Each viewer's sender rewrites the sequence number: do it here as one would.
            const packet = parseRtpPacket(bytes);
            frames.push(...depacketizer.push({ ...packet, sequenceNumber: sequence++ & 0xffff }));
          }
          expect(frames).toHaveLength(1);
          expect(frames[0]!.timestamp).toBe(au.timestamp);
          expect(frames[0]!.keyframe).toBe(u.keyframe);
          expect(splitAnnexB(frames[0]!.data)).toEqual(u.nalus);
        }
        expect(packets.packetized).toBe(units.length);
      }),
      { numRuns: 60 },
    );
  });
});
