import { StunClass, StunMessageBuilder, StunMethod } from "@purertc/stun";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeChannelData, MAX_CHANNEL, MIN_CHANNEL } from "./channel-data.js";
import { StreamFramer } from "./server-link.js";

const messageArb = fc.oneof(
  fc
    .tuple(fc.integer({ min: MIN_CHANNEL, max: MAX_CHANNEL }), fc.uint8Array({ maxLength: 60 }))
    .map(([c, d]) => ({ wire: encodeChannelData(c, d, true), message: encodeChannelData(c, d, false) })),
  fc.uint8Array({ maxLength: 40 }).map((d) => {
    const bytes = new StunMessageBuilder(StunMethod.Data, StunClass.Indication)
      .data(d)
      .encode({ fingerprint: true });
    return { wire: bytes, message: bytes };
  }),
);

describe("StreamFramer (TURN over TCP, RFC 8656 §12.5)", () => {
  it("splits STUN and padded ChannelData, however the stream is chunked", () => {
    fc.assert(
      fc.property(
        fc.array(messageArb, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (messages, cuts) => {
          const stream = Buffer.concat(messages.map((m) => m.wire));
          const points = [...new Set(cuts.map((c) => (stream.length ? c % stream.length : 0)))].sort(
            (a, b) => a - b,
          );
          const framer = new StreamFramer();
          const out: Uint8Array[] = [];
          let at = 0;
          for (const p of [...points, stream.length]) {
            const got = framer.push(stream.subarray(at, p));
            expect(got).toBeDefined();
            out.push(...got!);
            at = p;
          }
          expect(out.map((m) => Buffer.from(m).toString("hex"))).toEqual(
            messages.map((m) => Buffer.from(m.message).toString("hex")),
          );
        },
      ),
    );
  });

  it("gives up on bytes that are neither STUN nor ChannelData, and on runaway lengths never pending more than 70 kB", () => {
    expect(new StreamFramer().push(new Uint8Array([0x80, 0, 0, 0]))).toBeUndefined();
    const framer = new StreamFramer();
    // A STUN header announcing 65535 bytes: waits for them (bounded by the 16-bit length).
    expect(framer.push(new Uint8Array([0, 1, 0xff, 0xff]))).toEqual([]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const f = new StreamFramer();
        const got = f.push(bytes);
        if (got) for (const m of got) expect(m.byteLength).toBeGreaterThanOrEqual(4);
      }),
    );
  });
});
