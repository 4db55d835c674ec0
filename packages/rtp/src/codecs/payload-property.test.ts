import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  G711Depacketizer,
  H264Depacketizer,
  H264Payloader,
  OggOpusWriter,
  OpusDepacketizer,
  parseH264Fmtp,
  parseH264Sps,
  parseIvf,
  parseOgg,
  parseVp8Descriptor,
  parseVp8FrameHeader,
  RtpError,
  type RtpPacket,
  Vp8Depacketizer,
} from "../index.js";

/** Calls fn; a thrown RtpError is a valid answer, anything else fails the property. */
function typed(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof RtpError)) throw error;
  }
}

const rtp = (sequenceNumber: number, timestamp: number, marker: boolean, payload: Uint8Array): RtpPacket => ({
  marker,
  payloadType: 96,
  sequenceNumber,
  timestamp,
  ssrc: 1,
  csrcs: [],
  extension: undefined,
  payload,
  paddingLength: 0,
});

/** A packet stream: mostly consecutive sequence numbers, a few timestamps, random or H.264-shaped payloads. */
const h264Payload = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc
    .tuple(
      fc.constantFrom(0x1c, 0x3c, 0x7c),
      fc.integer({ min: 0, max: 255 }),
      fc.uint8Array({ maxLength: 40 }),
    )
    .map(([i, h, rest]) => new Uint8Array([i, h, ...rest])),
  fc
    .tuple(fc.constantFrom(0x18, 0x78), fc.uint8Array({ maxLength: 40 }))
    .map(([i, rest]) => new Uint8Array([i, ...rest])),
);
const stream = (payload: fc.Arbitrary<Uint8Array>) =>
  fc.array(
    fc.record({
      step: fc.integer({ min: -2, max: 3 }),
      ts: fc.integer({ min: 0, max: 3 }),
      marker: fc.boolean(),
      payload,
    }),
    { maxLength: 60 },
  );

function feed<T>(
  push: (p: RtpPacket) => readonly T[],
  items: { step: number; ts: number; marker: boolean; payload: Uint8Array }[],
): T[] {
  let seq = 65530;
  const out: T[] = [];
  for (const item of items) {
    seq = (seq + item.step + 0x10000) & 0xffff;
    out.push(...push(rtp(seq, item.ts * 3000, item.marker, item.payload)));
  }
  return out;
}

describe("payload formats take any bytes without crashing, with bounded output", () => {
  it("H264Depacketizer: random packet streams give frames or nothing, never a throw; frames stay bounded", () => {
    fc.assert(
      fc.property(stream(h264Payload), fc.boolean(), (items, dropIncomplete) => {
        const d = new H264Depacketizer({ dropIncomplete, maxFrameBytes: 4096 });
        const frames = [...feed((p) => d.push(p), items), ...d.flush()];
        for (const f of frames) {
          expect(f.data.length).toBeLessThanOrEqual(4096 + 1024);
          for (const nal of f.nalus) expect(nal.buffer).toBe(f.data.buffer);
        }
        expect(d.stats.frames).toBe(frames.length);
      }),
      { numRuns: 3000 },
    );
  });

  it("H264Payloader then H264Depacketizer: random NAL units come back exactly at any MTU", () => {
    const nal = fc
      .tuple(fc.integer({ min: 1, max: 23 }), fc.uint8Array({ minLength: 0, maxLength: 3000 }))
      .map(([type, body]) => new Uint8Array([0x60 | type, ...body]));
    fc.assert(
      fc.property(
        fc.array(nal, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 3, max: 1400 }),
        (nalus, budget) => {
          const payloads = new H264Payloader().payload(nalus, budget);
          for (const p of payloads) expect(p.length).toBeLessThanOrEqual(budget);
          const d = new H264Depacketizer();
          const frames = payloads.flatMap((p, i) => d.push(rtp(i, 0, i === payloads.length - 1, p)));
          expect(frames).toHaveLength(1);
          expect(frames[0]!.nalus).toEqual(nalus);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("Vp8Depacketizer, OpusDepacketizer and G711Depacketizer: random streams never throw", () => {
    fc.assert(
      fc.property(stream(fc.uint8Array({ maxLength: 40 })), (items) => {
        const v = new Vp8Depacketizer({ maxFrameBytes: 2048 });
        feed((p) => v.push(p), items);
        v.flush();
        const o = new OpusDepacketizer();
        feed((p) => o.push(p), items);
        const g = new G711Depacketizer();
        feed((p) => g.push(p), items);
      }),
      { numRuns: 3000 },
    );
  });

  it("SPS, VP8 descriptor and frame header, fmtp: any input gives a value or an RtpError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.string({ maxLength: 80 }), (bytes, text) => {
        typed(() => parseH264Sps(new Uint8Array([0x67, ...bytes])));
        typed(() => parseVp8Descriptor(bytes));
        typed(() => parseVp8FrameHeader(bytes));
        typed(() => parseH264Fmtp(text));
        typed(() => parseH264Fmtp(`sprop-parameter-sets=${text}`));
      }),
      { numRuns: 5000 },
    );
  });

  it("Ogg and IVF readers: written files read back; random and mutated files give packets or an RtpError", () => {
    const opus = fc.array(fc.uint8Array({ minLength: 1, maxLength: 600 }), { maxLength: 5 });
    fc.assert(
      fc.property(
        opus,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
        (packets, flips) => {
          const w = new OggOpusWriter();
          const file = Buffer.concat([
            w.headers(),
            ...packets.map((p) => w.packet(new Uint8Array([0xf8, ...p]))),
            w.end(),
          ]);
          expect(
            parseOgg(file)
              .slice(2)
              .map((p) => p.data.subarray(1)),
          ).toEqual(packets.map((p) => Buffer.from(p)));
          for (const [at, v] of flips) file[at % file.length] = v;
          typed(() => parseOgg(file));
          typed(() => parseIvf(file));
        },
      ),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        typed(() => parseOgg(bytes));
        typed(() => parseIvf(bytes));
      }),
      { numRuns: 3000 },
    );
  });
});
