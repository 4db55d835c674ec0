import { SdpError } from "../errors.js";
import {
  parseCandidate,
  parseFingerprint,
  parseGroup,
  parseIceCredential,
  parseIceOptions,
  parseInteger,
  parseMid,
  parseSetup,
} from "./attributes.js";
import type {
  SdpCandidate,
  SdpConnection,
  SdpMediaSection,
  SdpOrigin,
  SdpSession,
  SdpTransportAttributes,
} from "./types.js";

/** Bounds that keep parsing linear and allocation bounded whatever the input. */
export const SDP_LIMITS = { maxLength: 256 * 1024, maxLines: 4096, maxMedia: 256 } as const;

// RFC 8866 §5: the type letters an SDP may contain. Unknown letters make the
// description invalid (§5: "MUST completely ignore or reject").
const KNOWN_TYPES = new Set(["v", "o", "s", "i", "u", "e", "p", "c", "b", "t", "r", "z", "k", "a", "m"]);
const DIGITS = /^[0-9]+$/;
// RFC 8866 §5 line order; equal ranks may interleave (t= and r= repeat).
const SESSION_RANK: Record<string, number> = {
  i: 3,
  u: 4,
  e: 5,
  p: 6,
  c: 7,
  b: 8,
  t: 9,
  r: 9,
  z: 10,
  k: 11,
  a: 12,
};
const MEDIA_RANK: Record<string, number> = { i: 1, c: 2, b: 3, k: 4, a: 5 };

function checkOrder(ranks: Record<string, number>, line: Line, previous: number): number {
  const rank = ranks[line.type];
  if (rank === undefined || rank < previous) {
    throw new SdpError("ERR_SDP_ORDER", `${line.type}= is out of place (RFC 8866 §5 order)`, line.number);
  }
  return rank;
}

interface Line {
  type: string;
  value: string;
  number: number;
}

function splitLines(text: string): Line[] {
  if (typeof text !== "string") throw new SdpError("ERR_SDP_SYNTAX", "an SDP must be a string");
  if (text.length > SDP_LIMITS.maxLength) {
    throw new SdpError("ERR_SDP_TOO_LARGE", `SDP of ${text.length} chars exceeds ${SDP_LIMITS.maxLength}`);
  }
  const lines: Line[] = [];
  let start = 0;
  let number = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    number++;
    let raw = text.slice(start, end);
    start = end + 1;
    if (raw.endsWith("\r")) raw = raw.slice(0, -1);
    if (raw === "") continue; // tolerate blank lines (hand-written SDP)
    if (lines.length >= SDP_LIMITS.maxLines) {
      throw new SdpError("ERR_SDP_TOO_LARGE", `SDP has more than ${SDP_LIMITS.maxLines} lines`);
    }
    const type = raw[0]!;
    if (raw[1] !== "=" || !KNOWN_TYPES.has(type)) {
      throw new SdpError("ERR_SDP_SYNTAX", `"${raw.slice(0, 40)}" is not an SDP line (RFC 8866 §5)`, number);
    }
    lines.push({ type, value: raw.slice(2), number });
  }
  return lines;
}

function parseOrigin(line: Line): SdpOrigin {
  const parts = line.value.split(" ");
  const [username, sessionId, sessionVersion, netType, addrType, address] = parts;
  if (
    parts.length !== 6 ||
    !sessionId ||
    !DIGITS.test(sessionId) ||
    sessionId.length > 20 ||
    !sessionVersion ||
    !DIGITS.test(sessionVersion) ||
    sessionVersion.length > 20 ||
    !username ||
    !netType ||
    !addrType ||
    !address
  ) {
    throw new SdpError(
      "ERR_SDP_ORIGIN",
      `o= wants "username sess-id sess-version nettype addrtype address" (RFC 8866 §5.2)`,
      line.number,
    );
  }
  return { username, sessionId, sessionVersion, netType, addrType, address };
}

function parseConnection(line: Line): SdpConnection {
  const parts = line.value.split(" ");
  const [netType, addrType, address] = parts;
  if (parts.length !== 3 || !netType || !addrType || !address) {
    throw new SdpError(
      "ERR_SDP_CONNECTION",
      `c= wants "nettype addrtype address" (RFC 8866 §5.7)`,
      line.number,
    );
  }
  return { netType, addrType, address };
}

function parseMediaLine(line: Line): SdpMediaSection {
  const parts = line.value.split(" ");
  if (parts.length < 4 || parts.length > 512 || parts.some((p) => p === "")) {
    throw new SdpError(
      "ERR_SDP_MEDIA",
      `m= wants "media port[/count] proto fmt …" (RFC 8866 §5.14)`,
      line.number,
    );
  }
  const [kind, portField, protocol, ...formats] = parts as [string, string, string, ...string[]];
  const [portText = "", countText] = portField.split("/", 3);
  const bad = (what: string) =>
    new SdpError("ERR_SDP_MEDIA", `m=: bad ${what} in "${line.value}"`, line.number);
  if (!DIGITS.test(portText) || portText.length > 5 || Number(portText) > 65535) throw bad("port");
  const section: SdpMediaSection = {
    kind,
    port: Number(portText),
    protocol,
    formats,
    candidates: [],
    endOfCandidates: false,
    fingerprints: [],
    otherLines: [],
  };
  if (countText !== undefined) {
    if (!DIGITS.test(countText) || countText.length > 5 || portField.split("/").length > 2)
      throw bad("port count");
    section.portCount = Number(countText);
  }
  return section;
}

/**
 * Applies an attribute that may appear at session or media level; returns
 * false when `name` is not one of them.
 */
function applyTransportAttribute(
  target: SdpTransportAttributes,
  name: string,
  value: string | undefined,
  line: number,
): boolean {
  switch (name) {
    case "ice-ufrag":
      target.iceUfrag = parseIceCredential(value ?? "", "ice-ufrag", line);
      return true;
    case "ice-pwd":
      target.icePwd = parseIceCredential(value ?? "", "ice-pwd", line);
      return true;
    case "ice-options":
      target.iceOptions = parseIceOptions(value ?? "", line);
      return true;
    case "ice-lite":
      target.iceLite = true;
      return true;
    case "fingerprint":
      target.fingerprints.push(parseFingerprint(value ?? "", line));
      return true;
    case "setup":
      target.setup = parseSetup(value ?? "", line);
      return true;
    default:
      return false;
  }
}

function splitAttribute(value: string): { name: string; value: string | undefined } {
  const colon = value.indexOf(":");
  return colon < 0
    ? { name: value, value: undefined }
    : { name: value.slice(0, colon), value: value.slice(colon + 1) };
}

function tryParseCandidate(value: string, line: number): SdpCandidate | undefined {
  try {
    return parseCandidate(value, line);
  } catch (error) {
    if (error instanceof SdpError) return undefined;
    throw error;
  }
}

function applyMediaAttribute(
  media: SdpMediaSection,
  name: string,
  value: string | undefined,
  line: number,
): void {
  if (applyTransportAttribute(media, name, value, line)) return;
  switch (name) {
    case "mid":
      media.mid = parseMid(value ?? "", line);
      return;
    case "candidate": {
      // A candidate ICE cannot parse is kept as an opaque line (written back
      // as it came) instead of refusing the description: one odd candidate
      // must not cost the peer its others. Trickled ones are refused
      // (parseCandidate throws, addIceCandidate rejects).
      const candidate = tryParseCandidate(value ?? "", line);
      if (candidate) media.candidates.push(candidate);
      else media.otherLines.push({ type: "a", name, value });
      return;
    }
    case "end-of-candidates":
      media.endOfCandidates = true;
      return;
    case "sctp-port":
      media.sctpPort = parseInteger(value ?? "", 65535, "a=sctp-port (RFC 8841 §5)", line);
      return;
    case "max-message-size":
      media.maxMessageSize = parseInteger(
        value ?? "",
        Number.MAX_SAFE_INTEGER,
        "a=max-message-size (RFC 8841 §6)",
        line,
      );
      return;
    default:
      media.otherLines.push({ type: "a", name, value });
  }
}

/**
 * Parses a session description (RFC 8866). Accepts CRLF or LF line ends.
 * Unknown attributes and other lines are kept in `otherLines`; the typed
 * fields hold what ICE, DTLS and data channels need.
 * @throws SdpError (only) with a code from {@link SdpErrorCode}.
 */
export function parseSdp(text: string): SdpSession {
  const lines = splitLines(text);
  const expect = (index: number, type: string): Line => {
    const line = lines[index];
    if (!line || line.type !== type) {
      throw new SdpError(
        "ERR_SDP_ORDER",
        `expected an ${type}= line (RFC 8866 §5 order v, o, s, …, t)`,
        line?.number,
      );
    }
    return line;
  };
  const v = expect(0, "v");
  if (v.value !== "0")
    throw new SdpError("ERR_SDP_VERSION", `v=${v.value} is not 0 (RFC 8866 §5.1)`, v.number);
  const origin = parseOrigin(expect(1, "o"));
  const sessionName = expect(2, "s").value;
  const session: SdpSession = {
    version: 0,
    origin,
    sessionName,
    timing: "",
    groups: [],
    fingerprints: [],
    otherLines: [],
    media: [],
  };
  let i = 3;
  let timingSeen = false;
  let rank = 0;
  for (; i < lines.length && lines[i]!.type !== "m"; i++) {
    const line = lines[i]!;
    rank = checkOrder(SESSION_RANK, line, rank);
    if (line.type === "t") {
      if (!/^[0-9]{1,20} [0-9]{1,20}$/.test(line.value)) {
        throw new SdpError("ERR_SDP_SYNTAX", `t= wants "start stop" (RFC 8866 §5.9)`, line.number);
      }
      if (!timingSeen) {
        session.timing = line.value;
        timingSeen = true;
        continue;
      }
    } else if (line.type === "c" && !session.connection) {
      session.connection = parseConnection(line);
      continue;
    } else if (line.type === "a") {
      const attr = splitAttribute(line.value);
      if (applyTransportAttribute(session, attr.name, attr.value, line.number)) continue;
      if (attr.name === "group") {
        session.groups.push(parseGroup(attr.value ?? "", line.number));
        continue;
      }
      session.otherLines.push({ type: "a", name: attr.name, value: attr.value });
      continue;
    }
    session.otherLines.push({ type: line.type, name: "", value: line.value });
  }
  if (!timingSeen) throw new SdpError("ERR_SDP_ORDER", "no t= line before the media (RFC 8866 §5.9)");

  let media: SdpMediaSection | undefined;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.type === "m") {
      if (session.media.length >= SDP_LIMITS.maxMedia) {
        throw new SdpError(
          "ERR_SDP_TOO_LARGE",
          `more than ${SDP_LIMITS.maxMedia} media sections`,
          line.number,
        );
      }
      media = parseMediaLine(line);
      session.media.push(media);
      rank = 0;
      continue;
    }
    rank = checkOrder(MEDIA_RANK, line, rank);
    if (!media) {
      // Unreachable: the session loop stops at the first m=.
      throw new SdpError("ERR_SDP_ORDER", "media line expected", line.number);
    } else if (line.type === "a") {
      const attr = splitAttribute(line.value);
      applyMediaAttribute(media, attr.name, attr.value, line.number);
    } else if (line.type === "c" && !media.connection) {
      media.connection = parseConnection(line);
    } else {
      media.otherLines.push({ type: line.type, name: "", value: line.value });
    }
  }
  return session;
}
