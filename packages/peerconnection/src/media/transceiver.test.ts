import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { PeerConnectionError } from "../errors.js";
import { negotiate } from "../pair.test-helper.js";
import { PeerConnection } from "../peer-connection.js";
import { parseSdp } from "../sdp/index.js";
import { parseRtpMedia } from "./sdp-media.js";
import type { TrackEvent } from "./track-event.js";

const vectors = fileURLToPath(new URL("../../../../test-vectors/sdp/", import.meta.url));
const chromiumMedia = readFileSync(`${vectors}chromium-156-offer-media.sdp`, "utf8");
const chromiumRecvonly = readFileSync(`${vectors}chromium-156-offer-recvonly.sdp`, "utf8");

function sections(sdp: string) {
  return parseSdp(sdp).media.map((m) => {
    const rtp = m.kind === "application" ? undefined : parseRtpMedia(m);
    return {
      kind: m.kind,
      port: m.port === 0 ? 0 : "open",
      mid: m.mid,
      direction: rtp?.direction,
      codecs: rtp?.codecs.map((c) => `${c.payloadType} ${c.name}`),
    };
  });
}

describe("transceivers in offers and answers", () => {
  it("an offer carries each transceiver's section before the data section, all bundled", async () => {
    await using pc = new PeerConnection({ interfaces: "loopback" });
    const video = pc.addTransceiver("video", { direction: "sendonly", streams: ["cam"] });
    const audio = pc.addTransceiver("audio", { direction: "recvonly" });
    expect(pc.getTransceivers()).toEqual([video, audio]);
    expect(pc.getSenders()).toEqual([video.sender, audio.sender]);
    expect(pc.getReceivers()).toEqual([video.receiver, audio.receiver]);
    expect(video.mid).toBeNull();
    const offer = await pc.createOffer();
    expect(video.mid).toBe("0");
    expect(audio.mid).toBe("1");
    const session = parseSdp(offer.sdp!);
    expect(session.groups).toEqual([{ semantics: "BUNDLE", mids: ["0", "1", "2"] }]);
    expect(sections(offer.sdp!)).toEqual([
      { kind: "video", port: "open", mid: "0", direction: "sendonly", codecs: ["96 VP8", "102 H264"] },
      {
        kind: "audio",
        port: "open",
        mid: "1",
        direction: "recvonly",
        codecs: ["111 opus", "0 PCMU", "8 PCMA"],
      },
      { kind: "application", port: "open", mid: "2", direction: undefined, codecs: undefined },
    ]);
    const v = parseRtpMedia(session.media[0]!);
    expect(v.rtcpMux).toBe(true);
    expect(v.extensions).toEqual([{ id: 4, uri: "urn:ietf:params:rtp-hdrext:sdes:mid" }]);
    expect(v.msids).toEqual([{ stream: "cam", track: video.sender.trackId }]);
    expect(v.ssrcs.map((s) => s.ssrc)).toEqual([video.sender.ssrc]);
    expect(v.codecs[0]!.feedback).toEqual(["ccm fir", "nack", "nack pli"]);
    // Receive-only: no ssrc, no msid.
    expect(parseRtpMedia(session.media[1]!).ssrcs).toEqual([]);
    for (const m of session.media) expect(m.setup).toBe("actpass");
  });

  it("answers Chromium's media offer with what purertc carries, keeping its payload types", async () => {
    await using pc = new PeerConnection({ interfaces: "loopback" });
    const tracks: TrackEvent[] = [];
    pc.addEventListener("track", (e) => tracks.push(e));
    const mine = pc.addTransceiver("video", { direction: "sendrecv" });
    await pc.setRemoteDescription({ type: "offer", sdp: chromiumMedia });
    // Chromium sends on both: two track events, its msid ids.
    const offer = parseSdp(chromiumMedia);
    expect(tracks.map((t) => t.track.kind)).toEqual(["audio", "video"]);
    const audioMsid = parseRtpMedia(offer.media[0]!).msids[0]!;
    expect(tracks[0]!.track.id).toBe(audioMsid.track);
    expect(tracks[0]!.streams).toEqual([audioMsid.stream]);
    expect(tracks[1]!.transceiver).toBe(mine);
    expect(mine.mid).toBe("1");
    const audio = pc.getTransceivers()[1]!;
    expect(audio.direction).toBe("recvonly");
    const answer = await pc.createAnswer();
    expect(sections(answer.sdp!)).toEqual([
      {
        kind: "audio",
        port: "open",
        mid: "0",
        direction: "recvonly",
        codecs: ["111 opus", "0 PCMU", "8 PCMA"],
      },
      { kind: "video", port: "open", mid: "1", direction: "sendrecv", codecs: ["96 VP8", "108 H264"] },
      { kind: "application", port: "open", mid: "2", direction: undefined, codecs: undefined },
    ]);
    const session = parseSdp(answer.sdp!);
    expect(session.groups).toEqual([{ semantics: "BUNDLE", mids: ["0", "1", "2"] }]);
    const video = parseRtpMedia(session.media[1]!);
    expect(video.rtcpRsize).toBe(true);
    expect(video.codecs[1]!.parameters).toContainEqual(["profile-level-id", "42e01f"]);
    for (const m of session.media) expect(m.setup).toBe("active");
    await pc.setLocalDescription(answer);
    expect(mine.currentDirection).toBe("sendrecv");
    expect(audio.currentDirection).toBe("recvonly");
    expect(mine.sender.getParameters().codecs.map((c) => c.mimeType)).toEqual(["video/VP8", "video/H264"]);
    expect(mine.sender.getParameters().headerExtensions).toEqual([
      { id: 4, uri: "urn:ietf:params:rtp-hdrext:sdes:mid" },
    ]);
    expect(audio.receiver.getParameters().codecs).toEqual([
      {
        mimeType: "audio/opus",
        payloadType: 111,
        clockRate: 48000,
        channels: 2,
        sdpFmtpLine: "minptime=10;useinbandfec=1",
      },
      { mimeType: "audio/PCMU", payloadType: 0, clockRate: 8000 },
      { mimeType: "audio/PCMA", payloadType: 8, clockRate: 8000 },
    ]);
    expect(mine.receiver.remoteSsrcs).toHaveLength(2); // media and RTX
  });

  it("answers Chromium's recvonly offer (no data section) as sendonly, H.264 first when preferred", async () => {
    await using pc = new PeerConnection({ interfaces: "loopback" });
    const video = pc.addTransceiver("video", { direction: "sendonly" });
    video.setCodecPreferences([{ mimeType: "video/H264" }]);
    const tracks: TrackEvent[] = [];
    pc.addEventListener("track", (e) => tracks.push(e));
    await pc.setRemoteDescription({ type: "offer", sdp: chromiumRecvonly });
    expect(tracks).toEqual([]); // Chromium sends nothing
    const answer = await pc.createAnswer();
    const s = sections(answer.sdp!);
    expect(s[0]).toMatchObject({ kind: "audio", mid: "0", direction: "inactive" });
    expect(s[1]).toMatchObject({ kind: "video", mid: "1", direction: "sendonly" });
    expect(s[1]!.codecs![0]).toMatch(/ H264$/);
    await pc.setLocalDescription(answer);
    expect(video.currentDirection).toBe("sendonly");
    expect(video.sender.getParameters().codecs[0]).toMatchObject({ mimeType: "video/H264" });
  });

  it("between two purertc connections: track event, directions, negotiated codec, stop()", async () => {
    await using a = new PeerConnection({ interfaces: "loopback" });
    await using b = new PeerConnection({ interfaces: "loopback" });
    const sent = a.addTransceiver("video", { direction: "sendonly", streams: ["s1"] });
    sent.setCodecPreferences([{ mimeType: "video/H264" }, { mimeType: "video/VP8" }]);
    const got = new Promise<TrackEvent>((resolve) => b.addEventListener("track", resolve, { once: true }));
    await negotiate(a, b);
    const event = await got;
    expect(event.track.id).toBe(sent.sender.trackId);
    expect(event.streams).toEqual(["s1"]);
    expect(event.receiver.remoteSsrcs).toEqual([sent.sender.ssrc]);
    expect(sent.currentDirection).toBe("sendonly");
    expect(event.transceiver.currentDirection).toBe("recvonly");
    expect(event.transceiver.mid).toBe(sent.mid);
    expect(sent.sender.getParameters().codecs[0]!.mimeType).toBe("video/H264");
    expect(event.receiver.getParameters().codecs[0]!.mimeType).toBe("video/H264");

    sent.stop();
    sent.stop();
    expect(sent.currentDirection).toBe("stopped");
    expect(sent.direction).toBe("stopped");
    expect(a.getSenders()).toEqual([]);
    expect(() => {
      sent.direction = "sendrecv";
    }).toThrow(PeerConnectionError);
    const offer = parseSdp((await a.createOffer()).sdp!);
    expect(offer.media.map((m) => [m.mid, m.port === 0])).toEqual([
      ["0", true],
      ["1", false],
    ]);
    expect(offer.groups[0]!.mids).toEqual(["1"]);
  });

  it("refuses a bad kind, direction or codec; closed connections add nothing", async () => {
    const pc = new PeerConnection({ interfaces: "loopback" });
    expect(() => pc.addTransceiver("text" as "audio")).toThrow(PeerConnectionError);
    expect(() => pc.addTransceiver("audio", { direction: "up" as "sendrecv" })).toThrow(PeerConnectionError);
    const t = pc.addTransceiver("audio");
    expect(() => t.setCodecPreferences([{ mimeType: "video/VP8" as "audio/opus" }])).toThrow(
      PeerConnectionError,
    );
    await pc.close();
    expect(t.stopped).toBe(true);
    expect(() => pc.addTransceiver("video")).toThrow(PeerConnectionError);
  });
});
