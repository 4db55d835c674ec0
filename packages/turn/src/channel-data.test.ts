import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeChannelData,
  encodeChannelData,
  isChannelData,
  MAX_CHANNEL,
  MIN_CHANNEL,
  splitChannelDataStream,
} from "./channel-data.js";
import { TurnError } from "./errors.js";

const channelArb = fc.integer({ min: MIN_CHANNEL, max: MAX_CHANNEL });
const dataArb = fc.uint8Array({ maxLength: 1500 });

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(TurnError);
    return (error as TurnError).code;
  }
}

describe("ChannelData framing (RFC 8656 §12.4)", () => {
  it("encodes the header as RFC 8656 §12.4 draws it", () => {
    const out = encodeChannelData(0x4001, new Uint8Array([1, 2, 3]));
    expect([...out]).toEqual([0x40, 0x01, 0x00, 0x03, 1, 2, 3]);
    const padded = encodeChannelData(0x4fff, new Uint8Array([9]), true);
    expect([...padded]).toEqual([0x4f, 0xff, 0x00, 0x01, 9, 0, 0, 0]);
    expect(encodeChannelData(0x4000, new Uint8Array(0)).byteLength).toBe(4);
  });

  it("round-trips any channel and data, padded or not", () => {
    fc.assert(
      fc.property(channelArb, dataArb, fc.boolean(), (channel, data, pad) => {
        const wire = encodeChannelData(channel, data, pad);
        expect(wire.byteLength % 4 === 0 || !pad).toBe(true);
        expect(isChannelData(wire)).toBe(true);
        const decoded = decodeChannelData(wire);
        expect(decoded.channel).toBe(channel);
        expect(Buffer.from(decoded.data).equals(Buffer.from(data))).toBe(true);
      }),
    );
  });

  it("refuses bad channel numbers and oversize data on encode", () => {
    expect(codeOf(() => encodeChannelData(0x3fff, new Uint8Array(1)))).toBe("ERR_BAD_CHANNEL_NUMBER");
    expect(codeOf(() => encodeChannelData(0x5000, new Uint8Array(1)))).toBe("ERR_BAD_CHANNEL_NUMBER");
    expect(codeOf(() => encodeChannelData(16384.5, new Uint8Array(1)))).toBe("ERR_BAD_CHANNEL_NUMBER");
    expect(codeOf(() => encodeChannelData(0x4000, new Uint8Array(65536)))).toBe("ERR_CHANNEL_DATA_TOO_LONG");
  });

  it("rejects short, truncated, non-ChannelData and reserved-channel datagrams with their codes", () => {
    expect(codeOf(() => decodeChannelData(new Uint8Array([0x40, 0x00, 0x00])))).toBe(
      "ERR_CHANNEL_DATA_TOO_SHORT",
    );
    expect(codeOf(() => decodeChannelData(new Uint8Array([0x40, 0x00, 0x00, 0x05, 1, 2])))).toBe(
      "ERR_CHANNEL_DATA_TOO_SHORT",
    );
    // A STUN header starts 0b00.
    expect(codeOf(() => decodeChannelData(new Uint8Array([0x00, 0x01, 0x00, 0x00])))).toBe(
      "ERR_NOT_CHANNEL_DATA",
    );
    expect(codeOf(() => decodeChannelData(new Uint8Array([0x80, 0x01, 0x00, 0x00])))).toBe(
      "ERR_NOT_CHANNEL_DATA",
    );
    expect(codeOf(() => decodeChannelData(new Uint8Array([0x50, 0x00, 0x00, 0x00])))).toBe(
      "ERR_BAD_CHANNEL_NUMBER",
    );
    expect(isChannelData(new Uint8Array([0x50, 0, 0, 0]))).toBe(false);
    expect(isChannelData(new Uint8Array([0x00, 1, 0, 0]))).toBe(false);
    expect(isChannelData(new Uint8Array(0))).toBe(false);
  });

  it("accepts padding (or any trailing bytes) after the data over UDP", () => {
    const decoded = decodeChannelData(new Uint8Array([0x40, 0x10, 0x00, 0x02, 7, 8, 0, 0, 0xff]));
    expect(decoded.channel).toBe(0x4010);
    expect([...decoded.data]).toEqual([7, 8]);
  });

  it("random bytes: decode returns a consistent result or throws TurnError, nothing else", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        let result: ReturnType<typeof decodeChannelData> | undefined;
        try {
          result = decodeChannelData(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(TurnError);
          return;
        }
        expect(result.channel).toBeGreaterThanOrEqual(MIN_CHANNEL);
        expect(result.channel).toBeLessThanOrEqual(MAX_CHANNEL);
        expect(4 + result.data.byteLength).toBeLessThanOrEqual(bytes.byteLength);
        expect(result.data.byteLength).toBe((bytes[2]! << 8) | bytes[3]!);
      }),
      { numRuns: 2000 },
    );
  });

  it("mutated valid messages: decode never throws anything but TurnError and never reads past the input", () => {
    fc.assert(
      fc.property(
        channelArb,
        fc.uint8Array({ maxLength: 64 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat(),
        (channel, data, flips, cut) => {
          const wire = encodeChannelData(channel, data, true);
          for (const [at, value] of flips) wire[at % wire.byteLength] = value;
          const input = wire.subarray(0, wire.byteLength - (cut % (wire.byteLength + 1)));
          try {
            const decoded = decodeChannelData(input);
            expect(decoded.data.byteOffset + decoded.data.byteLength).toBeLessThanOrEqual(
              input.byteOffset + input.byteLength,
            );
          } catch (error) {
            expect(error).toBeInstanceOf(TurnError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("splits a padded stream into messages, leaving an incomplete tail", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(channelArb, fc.uint8Array({ maxLength: 40 })), { maxLength: 8 }),
        fc.nat(),
        (messages, cut) => {
          const parts = messages.map(([c, d]) => encodeChannelData(c, d, true));
          const stream = Buffer.concat(parts);
          const all = splitChannelDataStream(stream);
          expect(all.consumed).toBe(stream.byteLength);
          expect(all.messages.map((m) => m.channel)).toEqual(messages.map(([c]) => c));
          // Cut anywhere: only whole messages come out, and the rest is left.
          const at = stream.byteLength === 0 ? 0 : cut % stream.byteLength;
          const head = splitChannelDataStream(stream.subarray(0, at));
          expect(head.consumed).toBeLessThanOrEqual(at);
          let whole = 0;
          let total = 0;
          for (const p of parts) {
            if (total + p.byteLength > at) break;
            total += p.byteLength;
            whole++;
          }
          expect(head.messages.length).toBe(whole);
          expect(head.consumed).toBe(total);
        },
      ),
    );
  });
});
