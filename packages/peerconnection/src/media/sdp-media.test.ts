import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SdpError } from "../errors.js";
import { parseSdp, serializeSdp } from "../sdp/index.js";
import type { SdpMediaSection } from "../sdp/types.js";
import { answerCodecs, defaultCodecs, matches } from "./codecs.js";
import { h264ProfileOf, parseProfileLevelId } from "./h264-profile.js";
import { linesNotOwned, parameter, parseRtpMedia, rtpMediaLines } from "./sdp-media.js";

const vectors = fileURLToPath(new URL("../../../../test-vectors/sdp/", import.meta.url));
const mediaOffer = parseSdp(readFileSync(`${vectors}chromium-156-offer-media.sdp`, "utf8"));
const recvonlyOffer = parseSdp(readFileSync(`${vectors}chromium-156-offer-recvonly.sdp`, "utf8"));

function section(kind: string, extra: string): SdpMediaSection {
  return parseSdp(`v=0\no=- 1 1 IN IP4 0.0.0.0\ns=-\nt=0 0\nm=${kind} 9 UDP/TLS/RTP/SAVPF 96 97\n${extra}`)
    .media[0]!;
}

describe("RTP attributes of Chromium's media offer", () => {
  it("reads audio: opus first with its fmtp, direction, mux, msid, ssrc", () => {
    const audio = parseRtpMedia(mediaOffer.media[0]!);
    expect(audio.direction).toBe("sendrecv");
    expect(audio.rtcpMux).toBe(true);
    expect(audio.rtcpRsize).toBe(true);
    expect(audio.codecs.map((c) => `${c.payloadType} ${c.name}`)).toEqual([
      "111 opus",
      "63 red",
      "9 G722",
      "0 PCMU",
      "8 PCMA",
      "13 CN",
      "110 telephone-event",
      "126 telephone-event",
    ]);
    expect(audio.codecs[0]).toMatchObject({ clockRate: 48000, channels: 2, feedback: ["transport-cc"] });
    expect(parameter(audio.codecs[0]!, "useinbandfec")).toBe("1");
    expect(audio.extensions.find((e) => e.uri === "urn:ietf:params:rtp-hdrext:sdes:mid")?.id).toBe(4);
    expect(audio.msids).toHaveLength(1);
    expect(audio.ssrcs).toHaveLength(1);
    expect(audio.ssrcs[0]!.attributes.map(([k]) => k)).toEqual(["cname", "msid"]);
  });

  it("reads video: 23 formats, feedback per codec, the RTX FID group", () => {
    const video = parseRtpMedia(mediaOffer.media[1]!);
    expect(video.codecs).toHaveLength(23);
    const vp8 = video.codecs[0]!;
    expect(vp8).toMatchObject({ payloadType: 96, name: "VP8", clockRate: 90000 });
    expect(vp8.feedback).toEqual(["goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"]);
    expect(video.ssrcGroups).toEqual([{ semantics: "FID", ssrcs: video.ssrcs.map((x) => x.ssrc) }]);
    const h264 = video.codecs.filter((c) => c.name === "H264");
    expect(
      h264.map((c) => `${c.payloadType}:${h264ProfileOf(c)?.profile}:${parameter(c, "packetization-mode")}`),
    ).toEqual([
      "102:baseline:1",
      "104:baseline:0",
      "108:constrained-baseline:1",
      "114:constrained-baseline:0",
      "116:main:1",
      "39:main:0",
    ]);
  });

  it("writes the lines back: the sections serialize to the same text", () => {
    for (const session of [mediaOffer, recvonlyOffer]) {
      const copy = structuredClone(session);
      for (const m of copy.media) {
        if (m.kind === "application") continue;
        const rtp = parseRtpMedia(m);
        m.otherLines = [...linesNotOwned(m), ...rtpMediaLines(rtp)];
        expect(parseRtpMedia(m)).toEqual(rtp);
      }
      // Same attributes, same count (the order within a section is Chromium's own).
      const lines = (s: string) => s.split("\r\n").sort();
      expect(lines(serializeSdp(copy))).toEqual(lines(serializeSdp(session)));
    }
  });
});

describe("H.264 profile-level-id (RFC 6184 §8.1)", () => {
  it("names profiles by their bits, not their text", () => {
    expect(parseProfileLevelId("42e01f")).toEqual({ profile: "constrained-baseline", level: 31 });
    expect(parseProfileLevelId("42c01f")).toEqual({ profile: "constrained-baseline", level: 31 });
    expect(parseProfileLevelId("4d801f")).toEqual({ profile: "constrained-baseline", level: 31 });
    expect(parseProfileLevelId("42001f")).toEqual({ profile: "baseline", level: 31 });
    expect(parseProfileLevelId("4d001f")).toEqual({ profile: "main", level: 31 });
    expect(parseProfileLevelId("640c34")).toEqual({ profile: "constrained-high", level: 52 });
    expect(parseProfileLevelId("640032")).toEqual({ profile: "high", level: 50 });
    expect(parseProfileLevelId("42f00b")).toEqual({ profile: "constrained-baseline", level: 0 }); // 1b
    expect(parseProfileLevelId("42e00b")).toEqual({ profile: "constrained-baseline", level: 11 });
    expect(parseProfileLevelId("42e0ff")).toBeUndefined(); // no such level
    expect(parseProfileLevelId("43e01f")).toBeUndefined();
    expect(parseProfileLevelId("42e01")).toBeUndefined();
    expect(h264ProfileOf({ parameters: [] })).toEqual({ profile: "baseline", level: 10 });
  });

  it("matches 42c01f with our 42e01f at another level, never main or mode 0", () => {
    const [, h264] = defaultCodecs("video");
    const offered = (fmtp: string) => ({
      payloadType: 120,
      name: "H264",
      clockRate: 90000,
      parameters: fmtp.split(";").map((p) => p.split("=") as [string, string]),
      feedback: ["nack", "nack pli", "goog-remb"],
    });
    expect(matches("video", offered("packetization-mode=1;profile-level-id=42c028"), h264!)).toBe(true);
    expect(matches("video", offered("profile-level-id=42E01F;packetization-mode=1"), h264!)).toBe(true);
    expect(matches("video", offered("packetization-mode=0;profile-level-id=42e01f"), h264!)).toBe(false);
    expect(matches("video", offered("packetization-mode=1;profile-level-id=4d001f"), h264!)).toBe(false);
    expect(matches("video", offered("packetization-mode=1;profile-level-id=42001f"), h264!)).toBe(false);
  });
});

describe("answer codecs (JSEP §5.3.1)", () => {
  it("keeps the offerer's payload types, our preference order, common feedback", () => {
    const video = parseRtpMedia(mediaOffer.media[1]!);
    const answer = answerCodecs("video", video.codecs, defaultCodecs("video"));
    expect(answer.map((c) => c.payloadType)).toEqual([96, 108]);
    expect(answer[0]!.feedback).toEqual(["ccm fir", "nack", "nack pli"]);
    expect(answer[1]!.parameters).toEqual([
      ["level-asymmetry-allowed", "1"],
      ["packetization-mode", "1"],
      ["profile-level-id", "42e01f"],
    ]);
    const h264First = answerCodecs("video", video.codecs, [...defaultCodecs("video")].reverse());
    expect(h264First.map((c) => c.payloadType)).toEqual([108, 96]);
    const audio = answerCodecs("audio", parseRtpMedia(mediaOffer.media[0]!).codecs, defaultCodecs("audio"));
    expect(audio.map((c) => `${c.payloadType} ${c.name}/${c.clockRate}/${c.channels}`)).toEqual([
      "111 opus/48000/2",
      "0 PCMU/8000/undefined",
      "8 PCMA/8000/undefined",
    ]);
  });

  it("finds the recvonly offer's codecs too", () => {
    const video = parseRtpMedia(recvonlyOffer.media[1]!);
    expect(video.direction).toBe("recvonly");
    expect(answerCodecs("video", video.codecs, defaultCodecs("video")).map((c) => c.name)).toEqual([
      "VP8",
      "H264",
    ]);
  });
});

describe("malformed RTP attributes", () => {
  it.each([
    ["a=rtpmap:96 VP8", "rtpmap"],
    ["a=rtpmap:300 VP8/90000", "rtpmap"],
    ["a=rtcp-fb:96", "rtcp-fb"],
    ["a=extmap:0 urn:x", "extmap"],
    ["a=extmap:20 urn:x", "extmap"],
    ["a=ssrc:99999999999 cname:x", "ssrc"],
    ["a=ssrc-group:FID", "ssrc-group"],
    ["a=msid:a b c", "msid"],
    ["a=fmtp:96 =1", "fmtp"],
  ])("%s is an SdpError", (line) => {
    expect(() => parseRtpMedia(section("video", `${line}\n`))).toThrow(SdpError);
  });

  it("ignores fmtp and rtcp-fb for formats not on the m= line; applies rtcp-fb:*", () => {
    const d = parseRtpMedia(section("video", "a=rtpmap:96 VP8/90000\na=fmtp:100 x=1\na=rtcp-fb:* nack\n"));
    expect(d.codecs.map((c) => c.feedback)).toEqual([["nack"], ["nack"]]);
    expect(d.codecs[1]!.name).toBe("");
  });
});
