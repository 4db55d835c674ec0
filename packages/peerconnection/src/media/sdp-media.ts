import { SdpError } from "../errors.js";
import { parseInteger } from "../sdp/attributes.js";
import type { SdpLine, SdpMediaSection } from "../sdp/types.js";

/**
 * The RTP attributes of an audio or video m-section (JSEP, RFC 8829 §5.2):
 * read from, and written as, the section's `otherLines`, so the SDP model
 * stays the one of `sdp/` and these attributes live beside it.
 */

/** RTCRtpTransceiverDirection, also the `a=sendrecv`… attribute (RFC 8866 §6.7). */
export type RtpDirection = "sendrecv" | "sendonly" | "recvonly" | "inactive";

/** One payload format: `a=rtpmap`, its `a=fmtp` and `a=rtcp-fb` lines. */
export interface RtpCodec {
  payloadType: number;
  /** Encoding name as written, e.g. "VP8", "H264", "opus". */
  name: string;
  clockRate: number;
  /** Audio channels (`/2` in `opus/48000/2`), when written. */
  channels?: number;
  /** `a=fmtp` parameters in order (`key=value;…`); a value-less token maps to "". */
  parameters: [string, string][];
  /** `a=rtcp-fb` values for this payload type, e.g. "nack", "nack pli", "ccm fir". */
  feedback: string[];
}

/** `a=extmap` (RFC 8285 §8). */
export interface RtpHeaderExtension {
  id: number;
  uri: string;
  direction?: RtpDirection;
}

/** `a=ssrc` lines of one SSRC (RFC 5576 §4.1), the attributes in order. */
export interface RtpSsrc {
  ssrc: number;
  attributes: [string, string | undefined][];
}

/** The typed RTP view of an m-section. */
export interface RtpMediaDescription {
  direction: RtpDirection;
  codecs: RtpCodec[];
  extensions: RtpHeaderExtension[];
  /** `a=msid` (RFC 8830 §2): stream id and optional track id. */
  msids: { stream: string; track?: string }[];
  ssrcs: RtpSsrc[];
  /** `a=ssrc-group` (RFC 5576 §4.2), e.g. FID for RTX. */
  ssrcGroups: { semantics: string; ssrcs: number[] }[];
  rtcpMux: boolean;
  rtcpRsize: boolean;
}

/** The attributes this view owns; every other line stays in otherLines. */
const OWNED = new Set([
  "sendrecv",
  "sendonly",
  "recvonly",
  "inactive",
  "rtpmap",
  "fmtp",
  "rtcp-fb",
  "extmap",
  "msid",
  "ssrc",
  "ssrc-group",
  "rtcp-mux",
  "rtcp-rsize",
]);

const TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/;
const DIRECTIONS = new Set<string>(["sendrecv", "sendonly", "recvonly", "inactive"]);
// msid-id / appdata: 1*64 token-char (RFC 8830 §2).
const MSID_ID = /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]{1,64}$/;

function fail(message: string): never {
  throw new SdpError("ERR_SDP_ATTRIBUTE", message);
}

function payloadType(text: string, what: string): number {
  return parseInteger(text, 127, what);
}

function splitOnce(value: string, separator: string): [string, string | undefined] {
  const i = value.indexOf(separator);
  return i < 0 ? [value, undefined] : [value.slice(0, i), value.slice(i + 1)];
}

/** `a=fmtp` parameters: `k=v;k=v` (RFC 8866 §6.15), spaces after `;` tolerated. */
export function parseFormatParameters(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const part of text.split(";")) {
    const item = part.trim();
    if (item === "") continue;
    const [key, value] = splitOnce(item, "=");
    if (key === "" || /\s/.test(key)) fail(`a=fmtp: bad parameter "${item}" (RFC 8866 §6.15)`);
    out.push([key, value ?? ""]);
  }
  return out;
}

/** Writes fmtp parameters back (`k=v;k=v`, a value-less token alone). */
export function formatParameters(parameters: readonly [string, string][]): string {
  return parameters.map(([k, v]) => (v === "" ? k : `${k}=${v}`)).join(";");
}

/**
 * Reads the RTP attributes of an audio/video section. Codecs come in `m=`
 * format order; a format without `a=rtpmap` is a static payload type
 * (RFC 3551) and gets its name only for the few WebRTC uses (PCMU 0, G722 9,
 * PCMA 8, CN 13). `a=fmtp`/`a=rtcp-fb` for a format not on the m= line are
 * ignored, as RFC 8866 §6.15 allows; `a=rtcp-fb:*` applies to every codec.
 * @throws SdpError ERR_SDP_ATTRIBUTE on a malformed attribute.
 */
export function parseRtpMedia(section: SdpMediaSection): RtpMediaDescription {
  const codecs = new Map<number, RtpCodec>();
  for (const format of section.formats) {
    const pt = payloadType(format, `m=${section.kind} payload type`);
    if (!codecs.has(pt))
      codecs.set(pt, { payloadType: pt, ...staticCodec(pt), parameters: [], feedback: [] });
  }
  const result: RtpMediaDescription = {
    direction: "sendrecv",
    codecs: [],
    extensions: [],
    msids: [],
    ssrcs: [],
    ssrcGroups: [],
    rtcpMux: false,
    rtcpRsize: false,
  };
  const wildcardFeedback: string[] = [];
  const ssrcs = new Map<number, RtpSsrc>();
  for (const line of section.otherLines) {
    if (line.type !== "a" || !OWNED.has(line.name)) continue;
    const value = line.value ?? "";
    switch (line.name) {
      case "sendrecv":
      case "sendonly":
      case "recvonly":
      case "inactive":
        result.direction = line.name;
        break;
      case "rtcp-mux":
        result.rtcpMux = true;
        break;
      case "rtcp-rsize":
        result.rtcpRsize = true;
        break;
      case "rtpmap": {
        const m = /^([0-9]{1,3}) ([^/ ]+)\/([0-9]{1,10})(?:\/([0-9]{1,3}))?$/.exec(value);
        if (!m) fail(`a=rtpmap wants "<pt> <name>/<clock>[/<channels>]" (RFC 8866 §6.6), got "${value}"`);
        const codec = codecs.get(payloadType(m[1]!, "a=rtpmap payload type"));
        if (!codec) break;
        if (!TOKEN.test(m[2]!)) fail(`a=rtpmap: bad encoding name "${m[2]}"`);
        codec.name = m[2]!;
        codec.clockRate = parseInteger(m[3]!, 0xffffffff, "a=rtpmap clock rate");
        if (m[4] !== undefined) codec.channels = parseInteger(m[4], 255, "a=rtpmap channels");
        else delete codec.channels;
        break;
      }
      case "fmtp": {
        const [pt, rest] = splitOnce(value, " ");
        const codec = codecs.get(payloadType(pt, "a=fmtp payload type"));
        if (codec) codec.parameters.push(...parseFormatParameters(rest ?? ""));
        break;
      }
      case "rtcp-fb": {
        const [pt, rest] = splitOnce(value, " ");
        const fb = (rest ?? "").trim().replace(/ +/g, " ");
        if (fb === "" || !fb.split(" ").every((t) => TOKEN.test(t))) {
          fail(`a=rtcp-fb wants "<pt> <type> [<param>]" (RFC 4585 §4.2), got "${value}"`);
        }
        if (pt === "*") wildcardFeedback.push(fb);
        else codecs.get(payloadType(pt, "a=rtcp-fb payload type"))?.feedback.push(fb);
        break;
      }
      case "extmap": {
        const m = /^([0-9]{1,5})(?:\/([a-z]+))? (\S+)(?: .*)?$/.exec(value);
        if (!m) fail(`a=extmap wants "<id>[/<direction>] <uri>" (RFC 8285 §8), got "${value}"`);
        const id = parseInteger(m[1]!, 4096, "a=extmap id");
        if (id < 1 || (id > 14 && id < 256) || id > 4095)
          fail(`a=extmap: id ${id} out of range (RFC 8285 §5)`);
        const ext: RtpHeaderExtension = { id, uri: m[3]! };
        if (m[2] !== undefined) {
          if (!DIRECTIONS.has(m[2])) fail(`a=extmap: bad direction "${m[2]}"`);
          ext.direction = m[2] as RtpDirection;
        }
        result.extensions.push(ext);
        break;
      }
      case "msid": {
        const [stream, track, more] = value.trim().split(/ +/);
        if (!stream || !MSID_ID.test(stream) || (track !== undefined && !MSID_ID.test(track)) || more) {
          fail(`a=msid wants "<stream-id> [<track-id>]" (RFC 8830 §2), got "${value}"`);
        }
        result.msids.push(track === undefined ? { stream } : { stream, track });
        break;
      }
      case "ssrc": {
        const m = /^([0-9]{1,10}) ([^: ]+)(?::(.*))?$/.exec(value);
        if (!m) fail(`a=ssrc wants "<ssrc> <attribute>[:<value>]" (RFC 5576 §4.1), got "${value}"`);
        const ssrc = parseInteger(m[1]!, 0xffffffff, "a=ssrc");
        let entry = ssrcs.get(ssrc);
        if (!entry) {
          if (ssrcs.size >= 64) fail("more than 64 SSRCs in one m-section");
          entry = { ssrc, attributes: [] };
          ssrcs.set(ssrc, entry);
          result.ssrcs.push(entry);
        }
        entry.attributes.push([m[2]!, m[3]]);
        break;
      }
      case "ssrc-group": {
        const [semantics = "", ...list] = value.split(" ");
        if (!TOKEN.test(semantics) || list.length === 0 || list.length > 16) {
          fail(`a=ssrc-group wants "<semantics> <ssrc> …" (RFC 5576 §4.2), got "${value}"`);
        }
        result.ssrcGroups.push({
          semantics,
          ssrcs: list.map((s) => parseInteger(s, 0xffffffff, "a=ssrc-group")),
        });
        break;
      }
    }
  }
  for (const codec of codecs.values()) {
    for (const fb of wildcardFeedback) if (!codec.feedback.includes(fb)) codec.feedback.push(fb);
    result.codecs.push(codec);
  }
  return result;
}

function staticCodec(pt: number): { name: string; clockRate: number; channels?: number } {
  switch (pt) {
    case 0:
      return { name: "PCMU", clockRate: 8000 };
    case 8:
      return { name: "PCMA", clockRate: 8000 };
    case 9:
      return { name: "G722", clockRate: 8000 };
    case 13:
      return { name: "CN", clockRate: 8000 };
    default:
      return { name: "", clockRate: 0 };
  }
}

/**
 * The lines of an RTP description, in the order Chromium writes them:
 * extmap, direction, msid, rtcp-mux, rtcp-rsize, then per codec rtpmap,
 * rtcp-fb, fmtp, then ssrc-group and ssrc. Codecs without a name (an
 * unknown static type) get no rtpmap.
 */
export function rtpMediaLines(d: RtpMediaDescription): SdpLine[] {
  const out: SdpLine[] = [];
  const a = (name: string, value?: string) => out.push({ type: "a", name, value });
  for (const e of d.extensions) a("extmap", `${e.id}${e.direction ? `/${e.direction}` : ""} ${e.uri}`);
  a(d.direction);
  for (const m of d.msids) a("msid", m.track === undefined ? m.stream : `${m.stream} ${m.track}`);
  if (d.rtcpMux) a("rtcp-mux");
  if (d.rtcpRsize) a("rtcp-rsize");
  for (const c of d.codecs) {
    if (c.name !== "") {
      a(
        "rtpmap",
        `${c.payloadType} ${c.name}/${c.clockRate}${c.channels === undefined ? "" : `/${c.channels}`}`,
      );
    }
    for (const fb of c.feedback) a("rtcp-fb", `${c.payloadType} ${fb}`);
    if (c.parameters.length) a("fmtp", `${c.payloadType} ${formatParameters(c.parameters)}`);
  }
  for (const g of d.ssrcGroups) a("ssrc-group", `${g.semantics} ${g.ssrcs.join(" ")}`);
  for (const s of d.ssrcs) {
    for (const [name, value] of s.attributes)
      a("ssrc", `${s.ssrc} ${name}${value === undefined ? "" : `:${value}`}`);
  }
  return out;
}

/** A section's other lines without the ones {@link rtpMediaLines} writes. */
export function linesNotOwned(section: SdpMediaSection): SdpLine[] {
  return section.otherLines.filter((l) => l.type !== "a" || !OWNED.has(l.name));
}

/** The `fmtp` value of `key` (case-insensitive key, as RFC 6184 §8.1 compares), or undefined. */
export function parameter(codec: Pick<RtpCodec, "parameters">, key: string): string | undefined {
  const lower = key.toLowerCase();
  return codec.parameters.find(([k]) => k.toLowerCase() === lower)?.[1];
}
