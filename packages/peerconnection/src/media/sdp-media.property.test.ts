import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SdpError } from "../errors.js";
import { parseSdp, serializeSdp } from "../sdp/index.js";
import type { SdpMediaSection, SdpSession } from "../sdp/types.js";
import { answerCodecs, defaultCodecs } from "./codecs.js";
import { parseProfileLevelId } from "./h264-profile.js";
import { parseRtpMedia, type RtpCodec, type RtpMediaDescription, rtpMediaLines } from "./sdp-media.js";

const vectors = fileURLToPath(new URL("../../../../test-vectors/sdp/", import.meta.url));
const offers = ["chromium-156-offer-media.sdp", "chromium-156-offer-recvonly.sdp"].map((f) =>
  readFileSync(vectors + f, "utf8"),
);

const token = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9.-]{0,11}$/);
const direction = fc.constantFrom("sendrecv", "sendonly", "recvonly", "inactive" as const);

const codec: fc.Arbitrary<RtpCodec> = fc.record(
  {
    payloadType: fc.integer({ min: 0, max: 127 }),
    name: token,
    clockRate: fc.integer({ min: 1, max: 0xffffffff }),
    channels: fc.integer({ min: 1, max: 255 }),
    parameters: fc.array(fc.tuple(token, fc.oneof(fc.constant(""), token)), { maxLength: 4 }),
    feedback: fc.uniqueArray(
      fc.array(token, { minLength: 1, maxLength: 2 }).map((t) => t.join(" ")),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: ["payloadType", "name", "clockRate", "parameters", "feedback"] },
);

const description: fc.Arbitrary<RtpMediaDescription> = fc.record({
  direction,
  codecs: fc.uniqueArray(codec, { selector: (c) => c.payloadType, minLength: 1, maxLength: 8 }),
  extensions: fc.array(
    fc.record(
      { id: fc.integer({ min: 1, max: 14 }), uri: token.map((t) => `urn:${t}`), direction },
      { requiredKeys: ["id", "uri"] },
    ),
    { maxLength: 4 },
  ),
  msids: fc.array(fc.record({ stream: token, track: token }, { requiredKeys: ["stream"] }), { maxLength: 2 }),
  ssrcs: fc.uniqueArray(
    fc.record({
      ssrc: fc.integer({ min: 0, max: 0xffffffff }),
      attributes: fc.array(fc.tuple(token, fc.option(token, { nil: undefined })), {
        minLength: 1,
        maxLength: 3,
      }),
    }),
    { selector: (s) => s.ssrc, maxLength: 3 },
  ),
  ssrcGroups: fc.array(
    fc.record({
      semantics: token,
      ssrcs: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 3 }),
    }),
    { maxLength: 2 },
  ),
  rtcpMux: fc.boolean(),
  rtcpRsize: fc.boolean(),
});

function sectionOf(d: RtpMediaDescription): SdpMediaSection {
  return {
    kind: "video",
    port: 9,
    protocol: "UDP/TLS/RTP/SAVPF",
    formats: d.codecs.map((c) => String(c.payloadType)),
    candidates: [],
    endOfCandidates: false,
    fingerprints: [],
    otherLines: rtpMediaLines(d),
  };
}

function tryParse(text: string): SdpSession | undefined {
  try {
    return parseSdp(text);
  } catch (error) {
    if (error instanceof SdpError) return undefined;
    throw error;
  }
}

describe("RTP attributes: properties", () => {
  it("a description written as lines, in an SDP, reads back the same", () => {
    fc.assert(
      fc.property(description, (d) => {
        const session = parseSdp(
          serializeSdp({
            version: 0,
            origin: {
              username: "-",
              sessionId: "1",
              sessionVersion: "1",
              netType: "IN",
              addrType: "IP4",
              address: "0.0.0.0",
            },
            sessionName: "-",
            timing: "0 0",
            groups: [],
            fingerprints: [],
            otherLines: [],
            media: [sectionOf(d)],
          }),
        );
        expect(parseRtpMedia(session.media[0]!)).toEqual(d);
      }),
      { numRuns: 300 },
    );
  });

  it("mutated Chromium offers give an SdpError or a description, never another throw", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...offers),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 5 }), fc.string({ maxLength: 6 })), {
          minLength: 1,
          maxLength: 6,
        }),
        (offer, edits) => {
          let text = offer;
          for (const [at, cut, insert] of edits) {
            const i = at % (text.length + 1);
            text = text.slice(0, i) + insert + text.slice(i + cut);
          }
          const session = tryParse(text);
          for (const m of session?.media ?? []) {
            try {
              const d = parseRtpMedia(m);
              answerCodecs(m.kind === "audio" ? "audio" : "video", d.codecs, defaultCodecs("video"));
            } catch (error) {
              if (!(error instanceof SdpError)) throw error;
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("random attribute values give an SdpError or a description", () => {
    const names = ["rtpmap", "fmtp", "rtcp-fb", "extmap", "msid", "ssrc", "ssrc-group", "sendonly"];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...names), fc.string({ maxLength: 40 })), { maxLength: 8 }),
        (lines) => {
          const m = sectionOf({ ...emptyDescription(), codecs: defaultCodecs("video") });
          m.otherLines = lines.map(([name, value]) => ({ type: "a", name, value }));
          try {
            parseRtpMedia(m);
          } catch (error) {
            if (!(error instanceof SdpError)) throw error;
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("any 6 hex digits parse to a profile or to undefined; the level is one of the table's", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffff }), (n) => {
        const p = parseProfileLevelId(n.toString(16).padStart(6, "0"));
        if (p) expect([0, 10, 11, 12, 13, 20, 21, 22, 30, 31, 32, 40, 41, 42, 50, 51, 52]).toContain(p.level);
      }),
      { numRuns: 1000 },
    );
  });
});

function emptyDescription(): RtpMediaDescription {
  return {
    direction: "sendrecv",
    codecs: [],
    extensions: [],
    msids: [],
    ssrcs: [],
    ssrcGroups: [],
    rtcpMux: false,
    rtcpRsize: false,
  };
}
