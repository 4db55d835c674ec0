import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { PeerConnectionError } from "./errors.js";
import { buildAnswer, buildOffer, type LocalParameters } from "./local-description.js";
import { readCandidateInit, readRemoteDescription } from "./remote-description.js";
import { parseSdp, serializeSdp } from "./sdp/index.js";

const vectors = fileURLToPath(new URL("../../../test-vectors/sdp/", import.meta.url));
const local: LocalParameters = {
  sessionId: "1234567890123456789",
  sessionVersion: 2,
  iceUfrag: "abcd",
  icePwd: "0123456789abcdefghijkl",
  fingerprints: [{ algorithm: "sha-256", value: Array(32).fill("AB").join(":") }],
  candidates: [
    {
      foundation: "1",
      component: 1,
      transport: "udp",
      priority: 2130706431,
      address: "127.0.0.1",
      port: 40000,
      type: "host",
      extensions: [],
    },
  ],
  endOfCandidates: true,
};

describe("local descriptions", () => {
  it("an offer has one bundled data-channel section with actpass and trickle", () => {
    const sdp = serializeSdp(buildOffer(local));
    expect(sdp).toContain("m=application 40000 UDP/DTLS/SCTP webrtc-datachannel\r\n");
    expect(sdp).toContain("c=IN IP4 127.0.0.1\r\n");
    expect(sdp).toContain("a=group:BUNDLE 0\r\n");
    expect(sdp).toContain("a=setup:actpass\r\n");
    expect(sdp).toContain("a=ice-options:trickle\r\n");
    expect(sdp).toContain("a=end-of-candidates\r\n");
    const remote = readRemoteDescription(sdp);
    expect(remote).toMatchObject({ mid: "0", iceUfrag: "abcd", setup: "actpass", endOfCandidates: true });
    expect(remote.candidates[0]!.port).toBe(40000);
  });

  it("answers Firefox's offer (session-level fingerprint) as active with its mid", () => {
    const offer = readRemoteDescription(readFileSync(`${vectors}firefox-153-offer-raw-ips.sdp`, "utf8"));
    expect(offer.fingerprints).toHaveLength(1);
    const answer = parseSdp(serializeSdp(buildAnswer(local, offer.session, offer.index, "active")));
    expect(answer.media[0]!.setup).toBe("active");
    expect(answer.media[0]!.mid).toBe("0");
    expect(answer.media[0]!.maxMessageSize).toBe(262144);
    expect(answer.media[0]!.sctpPort).toBe(5000);
  });

  it("reads the peer's a=sctp-port and a=max-message-size; absent means 5000 and 64 KiB (RFC 8841 §5, §6.1)", () => {
    const chromium = readFileSync(`${vectors}chromium-156-offer-mdns.sdp`, "utf8");
    expect(readRemoteDescription(chromium)).toMatchObject({ sctpPort: 5000, maxMessageSize: 262144 });
    const other = chromium
      .replace("a=sctp-port:5000", "a=sctp-port:5001")
      .replace("a=max-message-size:262144", "a=max-message-size:1000");
    expect(readRemoteDescription(other)).toMatchObject({ sctpPort: 5001, maxMessageSize: 1000 });
    const bare = chromium.replace(/a=sctp-port:5000\r?\n/, "").replace(/a=max-message-size:262144\r?\n/, "");
    expect(bare).not.toContain("max-message-size");
    expect(readRemoteDescription(bare)).toMatchObject({ sctpPort: 5000, maxMessageSize: 65536 });
    // What we answer says what we receive, not the offer's figure.
    const small = readRemoteDescription(other);
    const answer = parseSdp(serializeSdp(buildAnswer(local, small.session, small.index, "active")));
    expect(answer.media[0]!.maxMessageSize).toBe(262144);
  });

  it("rejects the media sections of a mixed offer with port 0 and bundles only the data section", () => {
    const chromium = readFileSync(`${vectors}chromium-156-offer-mdns.sdp`, "utf8");
    const mixed = chromium
      .replace("a=group:BUNDLE 0", "a=group:BUNDLE a 0")
      .replace("m=application", "m=audio 9 UDP/TLS/RTP/SAVPF 111\nc=IN IP4 0.0.0.0\na=mid:a\nm=application");
    const offer = readRemoteDescription(mixed);
    expect(offer.index).toBe(1);
    const answer = buildAnswer(local, offer.session, offer.index, "active");
    expect(answer.media.map((m) => [m.kind, m.port, m.mid])).toEqual([
      ["audio", 0, "a"],
      ["application", 40000, "0"],
    ]);
    expect(answer.groups).toEqual([{ semantics: "BUNDLE", mids: ["0"] }]);
    expect(readCandidateInit({ candidate: "", sdpMid: "0" }, offer)).toBeUndefined();
    expect(
      readCandidateInit({ candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host", sdpMid: "a" }, offer)?.port,
    ).toBe(9);
  });

  it.each([
    ["garbage", "hello"],
    ["no data section", "v=0\no=- 1 1 IN IP4 0.0.0.0\ns=-\nt=0 0\nm=audio 9 RTP/AVP 0\n"],
    [
      "no credentials",
      "v=0\no=- 1 1 IN IP4 0.0.0.0\ns=-\nt=0 0\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\na=fingerprint:sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33\n",
    ],
    [
      "no fingerprint",
      "v=0\no=- 1 1 IN IP4 0.0.0.0\ns=-\nt=0 0\nm=application 9 UDP/DTLS/SCTP x\na=ice-ufrag:abcd\na=ice-pwd:0123456789abcdefghijkl\n",
    ],
  ])("a remote description with %s is ERR_INVALID_SDP", (_, sdp) => {
    let error: unknown;
    try {
      readRemoteDescription(sdp);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PeerConnectionError);
    expect((error as PeerConnectionError).code).toBe("ERR_INVALID_SDP");
  });

  it("a malformed or foreign candidate is ERR_OPERATION", () => {
    const offer = readRemoteDescription(serializeSdp(buildOffer(local)));
    expect(() => readCandidateInit({ candidate: "candidate:bad" }, offer)).toThrow(PeerConnectionError);
    expect(() =>
      readCandidateInit(
        { candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host", usernameFragment: "zzzz" },
        offer,
      ),
    ).toThrow(/ufrag/);
    expect(() =>
      readCandidateInit({ candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host", sdpMid: "9" }, offer),
    ).toThrow(/mid/);
  });
});
