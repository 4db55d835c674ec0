import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Authenticator, parseChallenges } from "./auth.js";
import { RtspError } from "./errors.js";
import { RtspReader, type RtspResponse } from "./message.js";
import { parseDescription } from "./sdp.js";
import { formatTransport, parseSession, parseTransport } from "./transport.js";
import { parseRtspUrl, resolveControl } from "./url.js";

const vector = (name: string) => readFileSync(new URL(`../../../test-vectors/rtsp/${name}`, import.meta.url));
function response(name: string): RtspResponse {
  const out: RtspResponse[] = [];
  new RtspReader((item) => {
    if (item.kind === "response") out.push(item);
  }).push(vector(name));
  return out[0]!;
}

/** Throws nothing but RtspError. */
function onlyRtspErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RtspError);
  }
}

describe("Digest and Basic (RFC 2617 §3.5, RFC 7616 §3.9.1, RFC 7617 §2)", () => {
  it("RFC 2617's example: MD5 with qop=auth", () => {
    const auth = new Authenticator("Mufasa", "Circle Of Life", () => "0a4f113b");
    expect(
      auth.accept([
        'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
      ]),
    ).toBe(true);
    const value = auth.authorization("GET", "/dir/index.html")!;
    expect(value).toContain('response="6629fae49393a05397450978507c4ef1"');
    expect(value).toContain("nc=00000001");
    expect(value).toContain('opaque="5ccc069c403ebaf9f0171e9517f40e41"');
    expect(auth.authorization("GET", "/dir/index.html")).toContain("nc=00000002");
  });

  it("RFC 7616's examples: SHA-256 and MD5 preferred by the order the server listed them", () => {
    const challenge = (algorithm: string) =>
      `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`;
    const cnonce = () => "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
    const sha = new Authenticator("Mufasa", "Circle of Life", cnonce);
    sha.accept([challenge("SHA-256")]);
    expect(sha.authorization("GET", "/dir/index.html")).toContain(
      'response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"',
    );
    const md5 = new Authenticator("Mufasa", "Circle of Life", cnonce);
    md5.accept([challenge("MD5")]);
    expect(md5.authorization("GET", "/dir/index.html")).toContain(
      'response="8ca523f5e9506fed4657c9700eebdbec"',
    );
  });

  it("GStreamer's challenge (no qop: the RFC 2069 form cameras use)", () => {
    const challenges = response("gstreamer-1.22-describe-401-digest.txt").headers.getAll("www-authenticate");
    const auth = new Authenticator("user", "secret");
    expect(auth.accept(challenges)).toBe(true);
    const value = auth.authorization("DESCRIBE", "rtsp://127.0.0.1:8554/cam")!;
    // MD5(MD5(user:realm:pw):nonce:MD5(method:uri)) computed by hand with node:crypto below.
    const md5 = (s: string) => createHash("md5").update(s).digest("hex");
    const expected = md5(
      `${md5("user:GStreamer RTSP Server:secret")}:7c557afa6a190df4:${md5("DESCRIBE:rtsp://127.0.0.1:8554/cam")}`,
    );
    expect(value).toBe(
      `Digest username="user", realm="GStreamer RTSP Server", nonce="7c557afa6a190df4", uri="rtsp://127.0.0.1:8554/cam", response="${expected}"`,
    );
    expect(value).not.toContain("qop");
  });

  it("Basic (RFC 7617 §2's example), Digest preferred when both are offered, nothing without credentials", () => {
    const basic = new Authenticator("Aladdin", "open sesame");
    expect(basic.accept(['Basic realm="WallyWorld"'])).toBe(true);
    expect(basic.authorization("DESCRIBE", "rtsp://x/")).toBe("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    const both = new Authenticator("a", "b");
    both.accept(['Basic realm="r"', 'Digest realm="r", nonce="n"']);
    expect(both.authorization("DESCRIBE", "rtsp://x/")).toMatch(/^Digest /);
    expect(new Authenticator("", "").accept(['Basic realm="r"'])).toBe(false);
    expect(new Authenticator("a", "b").accept(["Negotiate abc"])).toBe(false);
  });

  it("parses quoted strings with escapes and several challenges in one value", () => {
    const [basic, digest] = parseChallenges('Basic realm="a \\"b\\"", Digest realm="x,y", nonce=abc');
    expect(basic?.params.get("realm")).toBe('a "b"');
    expect(digest?.scheme).toBe("digest");
    expect(digest?.params.get("realm")).toBe("x,y");
    expect(digest?.params.get("nonce")).toBe("abc");
    expect(() => parseChallenges('Digest realm="open')).toThrow(RtspError);
    expect(() => parseChallenges("=x")).toThrow(RtspError);
  });

  it("property: any header value gives challenges or an RtspError", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (value) => onlyRtspErrors(() => parseChallenges(value))),
      { numRuns: 2000 },
    );
  });
});

describe("Transport and Session (RFC 2326 §12.39, §12.37)", () => {
  it("GStreamer's SETUP answer", () => {
    const setup = response("gstreamer-1.22-setup-tcp-200.txt");
    const reply = parseTransport(setup.headers.get("transport")!);
    expect(reply).toEqual({
      protocol: "RTP/AVP/TCP",
      interleaved: [0, 1],
      serverPorts: undefined,
      source: undefined,
      ssrc: 0xd18c40f5,
    });
    expect(parseSession(setup.headers.get("session")!)).toEqual({ id: "XG9EvhtQDjx9F+-8", timeoutS: 60 });
  });

  it("UDP answers, single-number ranges, timeouts", () => {
    expect(
      parseTransport("RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971;source=10.0.0.2"),
    ).toMatchObject({ protocol: "RTP/AVP", serverPorts: [6970, 6971], source: "10.0.0.2" });
    expect(parseTransport("RTP/AVP/TCP;interleaved=4").interleaved).toEqual([4, 5]);
    expect(parseSession("12345678;timeout=5")).toEqual({ id: "12345678", timeoutS: 5 });
    expect(formatTransport({ kind: "tcp", channels: [2, 3] })).toBe("RTP/AVP/TCP;unicast;interleaved=2-3");
    expect(formatTransport({ kind: "udp", clientPorts: [5000, 5001] })).toBe(
      "RTP/AVP;unicast;client_port=5000-5001",
    );
    for (const bad of ["RAW/RAW/UDP;unicast", "RTP/AVP;server_port=x", "RTP/AVP/TCP;interleaved=300-301"])
      expect(() => parseTransport(bad)).toThrow(RtspError);
    expect(() => parseSession("")).toThrow(RtspError);
  });

  it("property: any header value gives a result or an RtspError", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (value) => {
        onlyRtspErrors(() => parseTransport(value));
        onlyRtspErrors(() => parseTransport(`RTP/AVP;${value}`));
        onlyRtspErrors(() => parseSession(value));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("DESCRIBE's SDP and control URLs (RFC 2326 C.1, RFC 6184 §8.1)", () => {
  it("GStreamer's description: one H.264 track, controls resolved against Content-Base", () => {
    const describe = response("gstreamer-1.22-describe-200.txt");
    const base = describe.headers.get("content-base")!;
    const description = parseDescription(Buffer.from(describe.body).toString(), base);
    expect(description.control).toBe("rtsp://127.0.0.1:18557/cam/");
    expect(description.tracks).toHaveLength(1);
    const [track] = description.tracks;
    expect(track).toMatchObject({
      index: 0,
      type: "video",
      payloadType: 96,
      encoding: "H264",
      clockRate: 90000,
      control: "rtsp://127.0.0.1:18557/cam/stream=0",
    });
    expect(track!.fmtp.get("packetization-mode")).toBe("1");
    // sprop-parameter-sets: an SPS (NAL type 7) then a PPS (type 8).
    expect(track!.parameterSets.map((nal) => nal[0]! & 0x1f)).toEqual([7, 8]);
  });

  it("resolves controls the way cameras mean them", () => {
    expect(resolveControl("rtsp://cam/live", "trackID=1")).toBe("rtsp://cam/live/trackID=1");
    expect(resolveControl("rtsp://cam/live/", "trackID=1")).toBe("rtsp://cam/live/trackID=1");
    expect(resolveControl("rtsp://cam/live?x=1", "trackID=1")).toBe("rtsp://cam/live/trackID=1");
    expect(resolveControl("rtsp://cam/live", "rtsp://other/a")).toBe("rtsp://other/a");
    expect(resolveControl("rtsp://cam/live", "*")).toBe("rtsp://cam/live");
    expect(resolveControl("rtsp://cam:554/live/x", "/abs")).toBe("rtsp://cam:554/abs");
  });

  it("a description with a session control and a static payload type", () => {
    const sdp = "v=0\r\na=control:rtsp://cam/agg\r\nm=audio 0 RTP/AVP 8\r\na=control:track2\r\n";
    const d = parseDescription(sdp, "rtsp://cam/x");
    expect(d.control).toBe("rtsp://cam/agg");
    expect(d.tracks[0]).toMatchObject({
      type: "audio",
      payloadType: 8,
      clockRate: 8000,
      control: "rtsp://cam/agg/track2",
    });
  });

  it("rejects what is not an SDP", () => {
    for (const bad of [
      "",
      "hello",
      "v=0\nm=video 0\n",
      "v=0\nm=video 0 RTP/AVP x\n",
      "v=0\nm=video 0 RTP/AVP 96\na=fmtp:96 sprop-parameter-sets=!!\n",
    ])
      expect(() => parseDescription(bad, "rtsp://cam/")).toThrow(RtspError);
  });

  it("property: random and mutated SDP give a description or an RtspError", () => {
    const sdp = Buffer.from(response("gstreamer-1.22-describe-200.txt").body).toString();
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) =>
        onlyRtspErrors(() => parseDescription(`v=0\n${text}`, "rtsp://c/")),
      ),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(sdp.length - 1), fc.integer({ min: 32, max: 126 })), {
          minLength: 1,
          maxLength: 6,
        }),
        (mutations) => {
          const chars = [...sdp];
          for (const [at, code] of mutations) chars[at] = String.fromCharCode(code);
          onlyRtspErrors(() => parseDescription(chars.join(""), "rtsp://c/"));
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("rtsp:// URLs", () => {
  it("splits credentials off the request URL", () => {
    expect(parseRtspUrl("rtsp://us%40er:p%3Ass@127.0.0.1:8554/cam?x=1")).toEqual({
      url: "rtsp://127.0.0.1:8554/cam?x=1",
      host: "127.0.0.1",
      port: 8554,
      username: "us@er",
      password: "p:ss",
    });
    expect(parseRtspUrl("rtsp://[::1]/cam")).toMatchObject({ host: "::1", port: 554 });
    for (const bad of ["http://x/", "rtsp:///x", "not a url"])
      expect(() => parseRtspUrl(bad)).toThrow(RtspError);
  });
});
