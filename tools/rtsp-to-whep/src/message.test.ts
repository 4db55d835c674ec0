import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RtspError } from "./errors.js";
import { RtspReader, type RtspReaderItem, type RtspReaderLimits } from "./message.js";

const vector = (name: string) => readFileSync(new URL(`../../../test-vectors/rtsp/${name}`, import.meta.url));

/** Feeds `data` in chunks cut at `cuts`; returns the items, or the error thrown. */
function read(data: Uint8Array, cuts: number[] = [], limits?: RtspReaderLimits) {
  const items: RtspReaderItem[] = [];
  const reader = new RtspReader((item) => items.push(item), limits);
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  try {
    for (const to of [...points, data.length]) {
      reader.push(data.subarray(from, to));
      from = to;
    }
  } catch (error) {
    return { items, error, reader };
  }
  return { items, error: undefined, reader };
}

describe("RtspReader on GStreamer's bytes", () => {
  it("reads the DESCRIBE response with its SDP body", () => {
    const { items, error } = read(vector("gstreamer-1.22-describe-200.txt"));
    expect(error).toBeUndefined();
    expect(items).toHaveLength(1);
    const response = items[0]!;
    if (response.kind !== "response") throw new Error("not a response");
    expect(response.status).toBe(200);
    expect(response.version).toBe("1.0");
    expect(response.headers.get("content-base")).toBe("rtsp://127.0.0.1:18557/cam/");
    expect(response.headers.get("CSEQ")).toBe("1");
    expect(response.body.length).toBe(530);
    expect(Buffer.from(response.body).toString().startsWith("v=0\r\n")).toBe(true);
  });

  it("reads the PLAY response then RTP frames on channels 0 and 1, whatever the chunking", () => {
    const data = Buffer.from(vector("gstreamer-1.22-play-interleaved.hex").toString(), "hex");
    const whole = read(data);
    expect(whole.error).toBeUndefined();
    const [first, ...frames] = whole.items;
    expect(first?.kind === "response" && first.status === 200).toBe(true);
    expect(frames.length).toBeGreaterThan(5);
    for (const f of frames) {
      if (f.kind !== "frame") throw new Error("not a frame");
      expect([0, 1]).toContain(f.channel);
      expect(f.payload[0]! >> 6).toBe(2); // RTP/RTCP version 2
      if (f.channel === 0) expect(Buffer.from(f.payload.subarray(8, 12)).toString("hex")).toBe("d18c40f5");
    }
    // The capture ends inside a frame: the reader holds its start, no more.
    expect(whole.reader.buffered).toBeGreaterThan(0);
    expect(whole.reader.buffered).toBeLessThan(4 + 65535);
    fc.assert(
      fc.property(fc.array(fc.nat(data.length), { maxLength: 40 }), (cuts) => {
        const chunked = read(data, cuts);
        expect(chunked.error).toBeUndefined();
        expect(chunked.items.length).toBe(whole.items.length);
        expect(chunked.items.at(-1)).toEqual(whole.items.at(-1));
      }),
      { numRuns: 100 },
    );
  });
});

describe("RtspReader errors", () => {
  const text = (s: string) => new TextEncoder().encode(s);
  it.each([
    ["HTTP/1.1 200 OK\r\n\r\n", "ERR_BAD_START_LINE"],
    ["RTSP/1.0 20 OK\r\n\r\n", "ERR_BAD_START_LINE"],
    ["RTSP/1.0 200 OK\r\nno colon here\r\n\r\n", "ERR_BAD_HEADER"],
    ["RTSP/1.0 200 OK\r\n folded first\r\n\r\n", "ERR_BAD_HEADER"],
    ["RTSP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n", "ERR_BAD_CONTENT_LENGTH"],
    ["RTSP/1.0 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n", "ERR_BAD_CONTENT_LENGTH"],
    ["RTSP/1.0 200 OK\r\nContent-Length: 999999\r\n\r\n", "ERR_BODY_TOO_LARGE"],
    ["\x00\x01", "ERR_BAD_FRAME"],
  ])("%j → %s", (input, code) => {
    const { error } = read(text(input));
    expect(error).toBeInstanceOf(RtspError);
    expect((error as RtspError).code).toBe(code);
  });

  it("bounds the header: no end in sight past maxHeaderBytes is an error, not a buffer", () => {
    const { error, reader } = read(text(`RTSP/1.0 200 OK\r\nX: ${"a".repeat(5000)}`), [], {
      maxHeaderBytes: 4096,
    });
    expect((error as RtspError).code).toBe("ERR_HEADER_TOO_LARGE");
    expect(reader.buffered).toBe(0);
  });

  it("bounds the number of header lines", () => {
    const { error } = read(text(`RTSP/1.0 200 OK\r\n${"A: b\r\n".repeat(20)}\r\n`), [], {
      maxHeaderLines: 10,
    });
    expect((error as RtspError).code).toBe("ERR_HEADER_TOO_LARGE");
  });

  it("keeps failing after an error (the stream cannot be resynchronised)", () => {
    const { error, reader } = read(text("garbage\r\n\r\n"));
    expect(error).toBeInstanceOf(RtspError);
    expect(() => reader.push(text("RTSP/1.0 200 OK\r\n\r\n"))).toThrow(RtspError);
  });

  it("reads folded headers, bare LF line ends, and a server's request", () => {
    const { items } = read(
      text(
        "RTSP/1.0 200 OK\nPublic: OPTIONS,\n  PLAY\n\nSET_PARAMETER rtsp://x/ RTSP/1.0\r\nCSeq: 4\r\n\r\n",
      ),
    );
    expect(items).toHaveLength(2);
    expect(items[0]?.kind === "response" && items[0].headers.get("public")).toBe("OPTIONS, PLAY");
    expect(items[1]?.kind === "request" && items[1].method).toBe("SET_PARAMETER");
  });
});

// Generators of well-formed streams, to check that parsing is independent of chunking.
const headerName = fc
  .stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/)
  .filter((n) => n.toLowerCase() !== "content-length");
const headerValue = fc.stringMatching(/^[ -~]{0,40}$/).map((v) => v.trim());
const responseArb = fc
  .record({
    status: fc.integer({ min: 100, max: 599 }),
    headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 8 }),
    body: fc.uint8Array({ maxLength: 300 }),
  })
  .map(({ status, headers, body }) => {
    const head = `RTSP/1.0 ${status} Reason\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join("")}Content-Length: ${body.length}\r\n\r\n`;
    return Buffer.concat([Buffer.from(head, "latin1"), body]);
  });
const frameArb = fc
  .record({ channel: fc.integer({ min: 0, max: 255 }), payload: fc.uint8Array({ maxLength: 1500 }) })
  .map(({ channel, payload }) =>
    Buffer.concat([Buffer.from([0x24, channel, payload.length >> 8, payload.length & 0xff]), payload]),
  );

describe("RtspReader properties", () => {
  it("any bytes: items or an RtspError, never another exception, and a bounded buffer", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (bytes, cuts) => {
          const { error, reader } = read(bytes, cuts, { maxHeaderBytes: 1024, maxBodyBytes: 2048 });
          if (error !== undefined) expect(error).toBeInstanceOf(RtspError);
          expect(reader.buffered).toBeLessThanOrEqual(Math.max(1024 + 4, 2048 + 1024 + 4, 4 + 65535));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("well-formed streams of responses and frames: the same items for every chunking", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(responseArb, frameArb), { minLength: 1, maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (parts, cuts) => {
          const data = Buffer.concat(parts);
          const whole = read(data);
          expect(whole.error).toBeUndefined();
          expect(whole.items).toHaveLength(parts.length);
          expect(whole.reader.buffered).toBe(0);
          const chunked = read(data, cuts);
          expect(chunked.error).toBeUndefined();
          expect(chunked.items.map(summary)).toEqual(whole.items.map(summary));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("mutated GStreamer streams: items or an RtspError, never a crash", () => {
    const data = Buffer.from(vector("gstreamer-1.22-play-interleaved.hex").toString(), "hex").subarray(
      0,
      1500,
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(data.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        (mutations) => {
          const copy = Buffer.from(data);
          for (const [at, byte] of mutations) copy[at] = byte;
          const { error } = read(copy);
          if (error !== undefined) expect(error).toBeInstanceOf(RtspError);
        },
      ),
      { numRuns: 500 },
    );
  });
});

function summary(item: RtspReaderItem) {
  if (item.kind === "frame") return ["frame", item.channel, Buffer.from(item.payload).toString("hex")];
  if (item.kind === "response")
    return ["response", item.status, [...item.headers.entries()], Buffer.from(item.body).toString("hex")];
  return ["request", item.method, item.uri];
}
