import { RtspError } from "./errors.js";
import { resolveControl } from "./url.js";

/** One media stream of a camera, as DESCRIBE announced it. */
export interface RtspTrack {
  /** Position among the `m=` sections (0-based); stable across reconnects to the same camera. */
  readonly index: number;
  /** `video`, `audio`, `application`, … */
  readonly type: string;
  /** The first payload type of the `m=` line (cameras announce one). */
  readonly payloadType: number;
  /** From `a=rtpmap`, upper-case (`H264`, `PCMA`, …); empty for a static payload type without rtpmap. */
  readonly encoding: string;
  /** From `a=rtpmap`; 90000 for video and 8000 for audio when absent (static payload types). */
  readonly clockRate: number;
  /** `a=fmtp` parameters of the payload type, names lower-case. */
  readonly fmtp: ReadonlyMap<string, string>;
  /** The absolute URL to SETUP (`a=control` resolved against the base, RFC 2326 C.1.1). */
  readonly control: string;
  /** H.264 `sprop-parameter-sets` (RFC 6184 §8.1), decoded: SPS and PPS NAL units. */
  readonly parameterSets: readonly Uint8Array[];
}

/** What DESCRIBE told about the stream. */
export interface StreamDescription {
  /** The URL that aggregate requests (PLAY, TEARDOWN) go to. */
  readonly control: string;
  readonly tracks: readonly RtspTrack[];
  /** The SDP text as received. */
  readonly sdp: string;
}

const MAX_LINES = 2000;
const MAX_MEDIA = 32;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Parses the SDP of a DESCRIBE response (RFC 8866) into tracks with their
 * control URLs resolved against `base` (Content-Base, else Content-Location,
 * else the request URL: RFC 2326 C.1.1).
 * @throws RtspError `ERR_BAD_SDP`
 */
export function parseDescription(sdp: string, base: string): StreamDescription {
  const lines = sdp.split(/\r?\n/);
  if (lines.length > MAX_LINES) throw new RtspError("ERR_BAD_SDP", `SDP over ${MAX_LINES} lines`);
  if (!lines[0]?.startsWith("v="))
    throw new RtspError("ERR_BAD_SDP", "SDP does not start with v= (RFC 8866 §5)");
  let sessionControl: string | undefined;
  const media: Array<{ type: string; formats: string[]; attributes: string[] }> = [];
  for (const raw of lines) {
    const line = raw.trimEnd();
    if (line === "") continue;
    if (line.length < 2 || line[1] !== "=") {
      throw new RtspError(
        "ERR_BAD_SDP",
        `malformed SDP line ${JSON.stringify(line.slice(0, 60))} (RFC 8866 §5)`,
      );
    }
    const value = line.slice(2);
    if (line[0] === "m") {
      // m=<media> <port> <proto> <fmt> ...
      const parts = value.split(" ");
      if (parts.length < 4) throw new RtspError("ERR_BAD_SDP", `malformed m= line ${JSON.stringify(line)}`);
      if (media.length >= MAX_MEDIA)
        throw new RtspError("ERR_BAD_SDP", `more than ${MAX_MEDIA} media sections`);
      media.push({ type: parts[0]!, formats: parts.slice(3), attributes: [] });
    } else if (line[0] === "a") {
      const current = media[media.length - 1];
      if (current) current.attributes.push(value);
      else if (value.startsWith("control:")) sessionControl = value.slice(8).trim();
    }
  }
  const aggregate = sessionControl === undefined ? base : resolveControl(base, sessionControl);
  const tracks = media.map((m, index): RtspTrack => {
    const payloadType = Number(m.formats[0]);
    if (!Number.isInteger(payloadType) || payloadType < 0 || payloadType > 127) {
      throw new RtspError("ERR_BAD_SDP", `bad payload type ${JSON.stringify(m.formats[0])} in m=${m.type}`);
    }
    let encoding = "";
    let clockRate = m.type === "audio" ? 8000 : 90000;
    const fmtp = new Map<string, string>();
    let control: string | undefined;
    for (const a of m.attributes) {
      if (a.startsWith("control:")) control = a.slice(8).trim();
      else if (a.startsWith(`rtpmap:${payloadType} `)) {
        const [name, rate] = a.slice(a.indexOf(" ") + 1).split("/");
        encoding = (name ?? "").trim().toUpperCase();
        const parsed = Number(rate);
        if (!Number.isInteger(parsed) || parsed <= 0) {
          throw new RtspError("ERR_BAD_SDP", `bad clock rate in a=${a.slice(0, 60)}`);
        }
        clockRate = parsed;
      } else if (a.startsWith(`fmtp:${payloadType} `)) {
        for (const param of a.slice(a.indexOf(" ") + 1).split(";")) {
          const eq = param.indexOf("=");
          const name = (eq < 0 ? param : param.slice(0, eq)).trim().toLowerCase();
          if (name !== "") fmtp.set(name, eq < 0 ? "" : param.slice(eq + 1).trim());
        }
      }
    }
    return {
      index,
      type: m.type,
      payloadType,
      encoding,
      clockRate,
      fmtp,
      // Without a=control the aggregate URL names the only stream (RFC 2326 C.1.1).
      control: control === undefined ? aggregate : resolveControl(aggregate, control),
      parameterSets: decodeParameterSets(fmtp.get("sprop-parameter-sets")),
    };
  });
  return { control: aggregate, tracks, sdp };
}

/** Decodes `sprop-parameter-sets` (comma-separated base64 NAL units, RFC 6184 §8.1). */
function decodeParameterSets(value: string | undefined): Uint8Array[] {
  if (!value) return [];
  const out: Uint8Array[] = [];
  for (const part of value.split(",").slice(0, 16)) {
    const text = part.trim();
    if (text === "") continue;
    if (!BASE64.test(text))
      throw new RtspError("ERR_BAD_SDP", "sprop-parameter-sets is not base64 (RFC 6184 §8.1)");
    const nal = new Uint8Array(Buffer.from(text, "base64"));
    if (nal.length > 0) out.push(nal);
  }
  return out;
}
