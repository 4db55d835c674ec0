import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { IceError } from "@purertc/ice";
import { describe, expect, it } from "vitest";
import { SdpError } from "../errors.js";
import {
  dtlsRoleFromSetup,
  fingerprintBytes,
  formatCandidate,
  negotiateSetup,
  parseCandidate,
  parseSdp,
  serializeSdp,
} from "./index.js";

const vectorsDir = fileURLToPath(new URL("../../../../test-vectors/sdp/", import.meta.url));
const vectors = readdirSync(vectorsDir).filter((f) => f.endsWith(".sdp"));
const read = (name: string) => readFileSync(vectorsDir + name, "utf8");

function sdpError(fn: () => unknown): SdpError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SdpError) return error;
    throw error;
  }
  throw new Error("expected an SdpError");
}

describe("real browser SDPs", () => {
  it("has the captured offers and answers", () => {
    expect(vectors.length).toBeGreaterThanOrEqual(6);
  });

  for (const name of vectors) {
    it(`${name} parses and round-trips`, () => {
      const text = read(name);
      const parsed = parseSdp(text);
      expect(parsed.media.length).toBeGreaterThanOrEqual(1);
      const again = parseSdp(serializeSdp(parsed));
      expect(again).toEqual(parsed);
      // Serializing is a fixed point after one pass.
      expect(serializeSdp(again)).toBe(serializeSdp(parsed));
      // Nothing is dropped: every input line is in the output (order may differ).
      const out = new Set(serializeSdp(parsed).split("\r\n"));
      for (const l of text.split(/\r?\n/).filter(Boolean)) expect(out.has(l), l).toBe(true);
    });
  }

  it("Chromium's offer comes back byte for byte (CRLF)", () => {
    for (const name of vectors.filter((n) => n.startsWith("chromium"))) {
      const text = read(name);
      expect(serializeSdp(parseSdp(text))).toBe(text.replace(/\r?\n/g, "\r\n"));
    }
  });

  it("reads what WebRTC needs from Chromium's mDNS offer", () => {
    const s = parseSdp(read("chromium-156-offer-mdns.sdp"));
    expect(s.origin.sessionId).toBe("464927008361137665");
    expect(s.groups).toEqual([{ semantics: "BUNDLE", mids: ["0"] }]);
    const m = s.media[0]!;
    expect(m.kind).toBe("application");
    expect(m.protocol).toBe("UDP/DTLS/SCTP");
    expect(m.formats).toEqual(["webrtc-datachannel"]);
    expect(m.iceUfrag).toBe("elMo");
    expect(m.icePwd).toBe("YJMl0oNP0mi3EpBKfNWFM0AT");
    expect(m.iceOptions).toEqual(["trickle"]);
    expect(m.setup).toBe("actpass");
    expect(m.mid).toBe("0");
    expect(m.sctpPort).toBe(5000);
    expect(m.maxMessageSize).toBe(262144);
    expect(m.endOfCandidates).toBe(false);
    expect(m.fingerprints).toHaveLength(1);
    expect(m.fingerprints[0]!.algorithm).toBe("sha-256");
    expect(fingerprintBytes(m.fingerprints[0]!)[0]).toBe(0xdb);
    expect(m.candidates).toHaveLength(2);
    expect(m.candidates[0]).toEqual({
      foundation: "459230089",
      component: 1,
      transport: "udp",
      priority: 2113937151,
      address: "569d5203-7ce4-4f54-a00b-ece5faca9048.local",
      port: 38489,
      type: "host",
      generation: 0,
      networkCost: 999,
      extensions: [],
    });
    expect(s.otherLines).toEqual([
      { type: "a", name: "extmap-allow-mixed", value: undefined },
      { type: "a", name: "msid-semantic", value: " WMS" },
    ]);
  });

  it("reads Firefox's session-level fingerprint, TCP candidates and end-of-candidates", () => {
    const s = parseSdp(read("firefox-153-offer-raw-ips.sdp"));
    expect(s.fingerprints).toHaveLength(1);
    expect(s.iceOptions).toEqual(["trickle"]);
    const m = s.media[0]!;
    expect(m.fingerprints).toHaveLength(0);
    expect(m.endOfCandidates).toBe(true);
    expect(m.maxMessageSize).toBe(1073741823);
    expect(m.connection).toEqual({ netType: "IN", addrType: "IP4", address: "198.18.10.1" });
    const tcp = m.candidates.filter((c) => c.transport === "TCP");
    expect(tcp).toHaveLength(3);
    expect(tcp[0]!.tcpType).toBe("active");
    expect(m.candidates.map((c) => c.address)).toContain("::1");
  });
});

describe("candidates", () => {
  it("parses srflx with raddr/rport and formats it back, unknown extensions as they came", () => {
    const text =
      "candidate:842163049 1 udp 1677729535 198.18.0.5 61000 typ srflx raddr 198.18.0.1 rport 5000 generation 0 ufrag abcd x-unknown Yes+1";
    const c = parseCandidate(text);
    expect(c.type).toBe("srflx");
    expect(c.relatedAddress).toBe("198.18.0.1");
    expect(c.relatedPort).toBe(5000);
    expect(c.generation).toBe(0);
    expect(c.ufrag).toBe("abcd");
    expect(c.extensions).toEqual([["x-unknown", "Yes+1"]]);
    expect(formatCandidate(c)).toBe(text);
    expect(parseCandidate(`a=${text}`)).toEqual(c);
    // The value after "a=candidate:" alone, as an SDP line carries it.
    expect(parseCandidate(text.slice("candidate:".length))).toEqual(c);
  });

  it("is @purertc/ice's parser: the SdpError has the IceError as its cause and the line", () => {
    const error = sdpError(() => parseCandidate("candidate:1 1 udp 1 127.0.0.1 9 typ weird", 7));
    expect(error.line).toBe(7);
    expect(error.cause).toBeInstanceOf(IceError);
    expect((error.cause as IceError).code).toBe("ERR_CANDIDATE_VALUE");
  });

  it("a description keeps a candidate line ICE cannot parse as an opaque line, not a candidate", () => {
    const odd = "candidate:1 1 udp 1 not_a_host! 9 typ host";
    const text = read("chromium-156-offer-mdns.sdp").replace("a=ice-ufrag", `a=${odd}\r\na=ice-ufrag`);
    const s = parseSdp(text);
    expect(s.media[0]!.candidates).toHaveLength(2);
    expect(s.media[0]!.otherLines).toContainEqual({ type: "a", name: "candidate", value: odd.slice(10) });
    expect(serializeSdp(s)).toContain(`\r\na=${odd}\r\n`);
    expect(parseSdp(serializeSdp(s))).toEqual(s);
  });

  it.each([
    ["too few fields", "candidate:1 1 udp 1 127.0.0.1 9"],
    ["no typ", "candidate:1 1 udp 1 127.0.0.1 9 tip host"],
    ["port out of range", "candidate:1 1 udp 1 127.0.0.1 70000 typ host"],
    ["priority out of range", "candidate:1 1 udp 4294967296 127.0.0.1 9 typ host"],
    ["component 0", "candidate:1 0 udp 1 127.0.0.1 9 typ host"],
    ["odd extensions", "candidate:1 1 udp 1 127.0.0.1 9 typ host generation"],
    ["bad foundation", "candidate:a-b 1 udp 1 127.0.0.1 9 typ host"],
    ["unknown type", "candidate:1 1 udp 1 127.0.0.1 9 typ weird"],
    ["an address that is no host name", "candidate:1 1 udp 1 not_a_host! 9 typ host"],
  ])("rejects %s with ERR_SDP_ATTRIBUTE", (_, text) => {
    expect(sdpError(() => parseCandidate(text)).code).toBe("ERR_SDP_ATTRIBUTE");
  });
});

describe("errors", () => {
  const good = read("chromium-156-offer-mdns.sdp");
  const replace = (from: string, to: string) => good.replace(from, to);

  it.each([
    ["ERR_SDP_ORDER", ""],
    ["ERR_SDP_ORDER", "o=- 1 1 IN IP4 0.0.0.0\nv=0\n"],
    ["ERR_SDP_VERSION", replace("v=0", "v=1")],
    ["ERR_SDP_ORIGIN", replace("o=- 464927008361137665 2", "o=- x 2")],
    ["ERR_SDP_ORDER", replace("t=0 0\n", "")],
    ["ERR_SDP_SYNTAX", replace("t=0 0", "t=now")],
    ["ERR_SDP_SYNTAX", replace("s=-", "s=-\nx=unknown letter")],
    ["ERR_SDP_SYNTAX", replace("s=-", "s=-\nnot a line")],
    ["ERR_SDP_MEDIA", replace("m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "m=application 9")],
    ["ERR_SDP_MEDIA", replace("m=application 9 ", "m=application 99999 ")],
    ["ERR_SDP_CONNECTION", replace("c=IN IP4 0.0.0.0", "c=IN IP4")],
    ["ERR_SDP_ATTRIBUTE", replace("a=setup:actpass", "a=setup:both")],
    ["ERR_SDP_ATTRIBUTE", replace("a=ice-ufrag:elMo", "a=ice-ufrag:e!")],
    ["ERR_SDP_ATTRIBUTE", replace("a=ice-pwd:YJMl0oNP0mi3EpBKfNWFM0AT", "a=ice-pwd:short")],
    ["ERR_SDP_ATTRIBUTE", replace("a=fingerprint:sha-256 DB:4A", "a=fingerprint:sha-256 DB:4A:00")],
    ["ERR_SDP_ATTRIBUTE", replace("a=fingerprint:sha-256 ", "a=fingerprint:sha-256")],
    ["ERR_SDP_ATTRIBUTE", replace("a=sctp-port:5000", "a=sctp-port:70000")],
    ["ERR_SDP_ATTRIBUTE", replace("a=max-message-size:262144", "a=max-message-size:big")],
    ["ERR_SDP_ATTRIBUTE", replace("a=mid:0", "a=mid:")],
    ["ERR_SDP_ORDER", replace("m=application", "v=0\nm=application")],
    ["ERR_SDP_ORDER", replace("a=mid:0", "a=mid:0\nt=0 0")],
    ["ERR_SDP_TOO_LARGE", `${good}${"a=x\n".repeat(5000)}`],
    ["ERR_SDP_TOO_LARGE", "v=0\n".padEnd(300_000, "x")],
  ])("%s", (code, text) => {
    expect(sdpError(() => parseSdp(text)).code).toBe(code);
  });

  it("names the line", () => {
    const error = sdpError(() => parseSdp(replace("a=setup:actpass", "a=setup:both")));
    expect(error.line).toBe(16);
    expect(error.message).toContain("line 16");
    expect(error.message).toContain("RFC 4145");
  });

  it("accepts CRLF, blank lines and several fingerprints", () => {
    const text = `${replace(
      "a=setup:actpass",
      "a=fingerprint:sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33\na=setup:actpass",
    ).replace(/\n/g, "\r\n")}\r\n\r\n`;
    const s = parseSdp(text);
    expect(s.media[0]!.fingerprints.map((f) => f.algorithm)).toEqual(["sha-256", "sha-1"]);
  });
});

describe("a=setup and DTLS roles (RFC 5763 §5)", () => {
  it("answers actpass with active, active with passive, passive with active", () => {
    expect(negotiateSetup("actpass")).toBe("active");
    expect(negotiateSetup("active")).toBe("passive");
    expect(negotiateSetup("passive")).toBe("active");
    expect(negotiateSetup("holdconn")).toBeUndefined();
  });

  it("makes the active side the DTLS client", () => {
    expect(dtlsRoleFromSetup("active", "actpass")).toBe("client");
    expect(dtlsRoleFromSetup("actpass", "active")).toBe("server");
    expect(dtlsRoleFromSetup("passive", "actpass")).toBe("server");
    expect(dtlsRoleFromSetup("actpass", "passive")).toBe("client");
    expect(dtlsRoleFromSetup("active", "active")).toBeUndefined();
    expect(dtlsRoleFromSetup("actpass", "actpass")).toBeUndefined();
  });
});

describe("Chromium's answers to purertc", () => {
  it.each(["raw-ips", "mdns"])("%s: active, same mid, one transport to connect", (kind) => {
    const s = parseSdp(read(`chromium-156-answer-${kind}.sdp`));
    const m = s.media[0]!;
    expect(m.setup).toBe("active");
    expect(m.mid).toBe("0");
    expect(s.groups).toEqual([{ semantics: "BUNDLE", mids: ["0"] }]);
    expect(m.candidates.some((c) => c.transport === "udp")).toBe(true);
    expect(m.fingerprints[0]!.algorithm).toBe("sha-256");
  });
});
