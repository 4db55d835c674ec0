import { RtspError } from "./errors.js";

/** What SETUP asks for: RTP over the RTSP connection, or over a UDP port pair. */
export type TransportRequest =
  | { readonly kind: "tcp"; readonly channels: readonly [number, number] }
  | { readonly kind: "udp"; readonly clientPorts: readonly [number, number] };

/** The parts of a `Transport` response header the client uses (RFC 2326 §12.39). */
export interface TransportReply {
  /** `RTP/AVP`, `RTP/AVP/UDP` or `RTP/AVP/TCP`. */
  readonly protocol: string;
  /** TCP: the channel pair the server picked. */
  readonly interleaved: readonly [number, number] | undefined;
  /** UDP: the server's RTP and RTCP ports. */
  readonly serverPorts: readonly [number, number] | undefined;
  /** UDP: the address the server sends from, when it says. */
  readonly source: string | undefined;
  /** The SSRC the server will use, when it says (hex in the header). */
  readonly ssrc: number | undefined;
}

/** The `Transport` request header value for `request` (RFC 2326 §12.39). */
export function formatTransport(request: TransportRequest): string {
  if (request.kind === "tcp") {
    return `RTP/AVP/TCP;unicast;interleaved=${request.channels[0]}-${request.channels[1]}`;
  }
  return `RTP/AVP;unicast;client_port=${request.clientPorts[0]}-${request.clientPorts[1]}`;
}

/**
 * Parses the `Transport` header of a SETUP response (the first transport
 * spec when the server lists several).
 * @throws RtspError `ERR_BAD_HEADER_VALUE`
 */
export function parseTransport(value: string): TransportReply {
  const spec = value.split(",")[0]!.trim();
  const [protocol = "", ...params] = spec.split(";");
  if (!/^RTP\/AVP(\/(UDP|TCP))?$/i.test(protocol.trim())) {
    throw new RtspError(
      "ERR_BAD_HEADER_VALUE",
      `unsupported Transport ${JSON.stringify(spec.slice(0, 100))}`,
    );
  }
  let interleaved: [number, number] | undefined;
  let serverPorts: [number, number] | undefined;
  let source: string | undefined;
  let ssrc: number | undefined;
  for (const param of params) {
    const eq = param.indexOf("=");
    const name = (eq < 0 ? param : param.slice(0, eq)).trim().toLowerCase();
    const v = eq < 0 ? "" : param.slice(eq + 1).trim();
    if (name === "interleaved") interleaved = range(v, 255, value);
    else if (name === "server_port") serverPorts = range(v, 65535, value);
    else if (name === "source") source = v;
    else if (name === "ssrc") {
      if (!/^[0-9a-f]{1,8}$/i.test(v)) throw badValue("Transport", value);
      ssrc = Number.parseInt(v, 16);
    }
  }
  return { protocol: protocol.trim().toUpperCase(), interleaved, serverPorts, source, ssrc };
}

/** `a-b`, or a single `a` meaning `a-(a+1)`. */
function range(v: string, max: number, whole: string): [number, number] {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(v);
  if (!m) throw badValue("Transport", whole);
  const a = Number(m[1]);
  const b = m[2] === undefined ? a + 1 : Number(m[2]);
  if (a > max || b > max) throw badValue("Transport", whole);
  return [a, b];
}

/** A `Session` header: the id, and the timeout in seconds (RFC 2326 §12.37; default 60). */
export interface SessionHeader {
  readonly id: string;
  readonly timeoutS: number;
}

/**
 * Parses a `Session` header: `id[;timeout=seconds]`.
 * @throws RtspError `ERR_BAD_HEADER_VALUE`
 */
export function parseSession(value: string): SessionHeader {
  const [id = "", ...params] = value.split(";");
  if (!/^[!-~]{1,256}$/.test(id.trim())) throw badValue("Session", value);
  let timeoutS = 60;
  for (const param of params) {
    const m = /^\s*timeout\s*=\s*(\d{1,6})\s*$/i.exec(param);
    if (m) timeoutS = Math.max(1, Number(m[1]));
  }
  return { id: id.trim(), timeoutS };
}

function badValue(header: string, value: string): RtspError {
  return new RtspError("ERR_BAD_HEADER_VALUE", `malformed ${header}: ${JSON.stringify(value.slice(0, 120))}`);
}
