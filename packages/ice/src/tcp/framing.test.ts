import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IceError } from "../errors.js";
import { encodeFrame, FrameDecoder, MAX_FRAME } from "./framing.js";

/** Splits `bytes` at the given cut points (sorted, deduplicated, in range). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

describe("RFC 4571 framing", () => {
  it("frames and unframes a known vector", () => {
    expect([...encodeFrame(new Uint8Array([0xaa, 0xbb, 0xcc]))]).toEqual([0, 3, 0xaa, 0xbb, 0xcc]);
    const frames: number[][] = [];
    new FrameDecoder().push(new Uint8Array([0, 1, 7, 0, 0, 0, 2, 8, 9]), (f) => frames.push([...f]));
    expect(frames).toEqual([[7], [8, 9]]); // the empty frame carries nothing
  });

  it("refuses a payload over 65535 bytes with IceError", () => {
    expect(() => encodeFrame(new Uint8Array(MAX_FRAME + 1))).toThrow(IceError);
    expect(encodeFrame(new Uint8Array(MAX_FRAME)).length).toBe(MAX_FRAME + 2);
  });

  it("gives back the same frames however the stream is cut (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 20 }),
        fc.array(fc.nat(10_000), { maxLength: 30 }),
        (datagrams, cuts) => {
          const stream = Buffer.concat(datagrams.map((d) => encodeFrame(d)));
          const decoder = new FrameDecoder();
          const got: Uint8Array[] = [];
          for (const chunk of split(stream, cuts)) decoder.push(chunk, (f) => got.push(Uint8Array.from(f)));
          expect(got).toEqual(datagrams);
          expect(decoder.buffered).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("never holds more than one frame, whatever the bytes (random and lying lengths)", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 4000 }), { maxLength: 40 }), (chunks) => {
        const decoder = new FrameDecoder();
        let total = 0;
        for (const chunk of chunks) {
          decoder.push(chunk, (f) => {
            expect(f.length).toBeGreaterThan(0);
            expect(f.length).toBeLessThanOrEqual(MAX_FRAME);
            total += f.length + 2;
          });
          expect(decoder.buffered).toBeLessThanOrEqual(MAX_FRAME + 2);
        }
        const fed = chunks.reduce((n, c) => n + c.length, 0);
        expect(total + decoder.buffered).toBeLessThanOrEqual(fed);
      }),
      { numRuns: 300 },
    );
  });

  it("a mutated stream yields frames within bounds and never throws", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 200 }), { minLength: 1, maxLength: 10 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        (datagrams, mutations) => {
          const stream = Buffer.concat(datagrams.map((d) => encodeFrame(d)));
          for (const [at, value] of mutations) stream[at % stream.length] = value;
          const decoder = new FrameDecoder();
          let bytes = 0;
          decoder.push(stream, (f) => {
            bytes += f.length + 2;
          });
          expect(bytes + decoder.buffered).toBeLessThanOrEqual(stream.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a length announcing 65535 bytes holds one 65535-byte buffer, then delivers", () => {
    const decoder = new FrameDecoder();
    const frames: number[] = [];
    decoder.push(new Uint8Array([0xff]), (f) => frames.push(f.length));
    decoder.push(new Uint8Array([0xff, 1, 2, 3]), (f) => frames.push(f.length));
    expect(decoder.buffered).toBe(2 + 3);
    for (let i = 0; i < 60; i++) decoder.push(new Uint8Array(1000), (f) => frames.push(f.length));
    expect(frames).toEqual([]);
    expect(decoder.buffered).toBe(2 + 60_003);
    // The rest of the frame and one byte more (half of the next length).
    decoder.push(new Uint8Array(MAX_FRAME - 60_003 + 1), (f) => frames.push(f.length));
    expect(frames).toEqual([MAX_FRAME]);
    expect(decoder.buffered).toBe(1);
    decoder.reset();
    expect(decoder.buffered).toBe(0);
  });
});
