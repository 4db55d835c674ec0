import { RtspError } from "./errors.js";

/** An `rtsp://` URL split into what the client needs. */
export interface RtspUrl {
  /** The URL without credentials, as sent on the request line. */
  readonly url: string;
  readonly host: string;
  /** Default 554 (RFC 2326 §3.2). */
  readonly port: number;
  /** Percent-decoded user info, empty when absent. */
  readonly username: string;
  readonly password: string;
}

/**
 * Parses an `rtsp://[user[:password]@]host[:port]/path` URL.
 * @throws RtspError `ERR_BAD_URL`
 */
export function parseRtspUrl(text: string): RtspUrl {
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch (cause) {
    throw new RtspError("ERR_BAD_URL", `not a URL: ${JSON.stringify(text.slice(0, 200))}`, { cause });
  }
  if (parsed.protocol !== "rtsp:" || parsed.hostname === "") {
    throw new RtspError(
      "ERR_BAD_URL",
      `not an rtsp:// URL with a host: ${JSON.stringify(text.slice(0, 200))}`,
    );
  }
  const username = safeDecode(parsed.username);
  const password = safeDecode(parsed.password);
  parsed.username = "";
  parsed.password = "";
  // IPv6 literals keep their brackets in `hostname`; node:net wants them bare.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  return { url: parsed.href, host, port: parsed.port === "" ? 554 : Number(parsed.port), username, password };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Resolves an SDP `a=control` value against a base URL (RFC 2326 C.1.1):
 * `*` is the base itself, an absolute URL stands, a relative one is joined
 * below the base. Cameras send bases without the trailing slash
 * (`rtsp://cam/live` with `trackID=1`) and mean a child of it, so a slash is
 * added rather than the last segment replaced, as players do.
 */
export function resolveControl(base: string, control: string): string {
  if (control === "*" || control === "") return base;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(control)) return control;
  if (control.startsWith("/")) {
    try {
      return new URL(control, base).href;
    } catch (cause) {
      throw new RtspError(
        "ERR_BAD_SDP",
        `control ${JSON.stringify(control.slice(0, 100))} against a bad base`,
        {
          cause,
        },
      );
    }
  }
  const query = base.indexOf("?");
  const path = query < 0 ? base : base.slice(0, query);
  return path.endsWith("/") ? `${path}${control}` : `${path}/${control}`;
}
