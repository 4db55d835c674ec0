import { lookup } from "node:dns/promises";
import { ipFamily } from "@purertc/stun";
import { TurnError } from "./errors.js";
import type { PeerAddress } from "./types.js";

/** Resolves `host:port` (or an address object) to an IP address and port, with the URI's transport. */
export async function resolveServer(
  server: string | PeerAddress,
): Promise<PeerAddress & { transport: "udp" | "tcp" | "tls" }> {
  let host: string;
  let port: number;
  let transport: "udp" | "tcp" | "tls" = "udp";
  if (typeof server === "string") {
    const parsed = parseHostPort(server);
    host = parsed.host;
    port = parsed.port;
    transport = parsed.transport;
  } else {
    host = server.address;
    port = server.port;
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TurnError("ERR_INVALID_ARGUMENT", `TURN server port ${port} is out of range`);
  }
  if (ipFamily(host)) return { address: host, port, transport };
  try {
    const { address } = await lookup(host);
    return { address, port, transport };
  } catch (error) {
    throw new TurnError("ERR_INVALID_ARGUMENT", `cannot resolve TURN server "${host}"`, { cause: error });
  }
}

/**
 * Parses `host:port`, `[v6]:port`, a bare host, or a `turn:host:port?transport=udp|tcp`
 * or `turns:host:port` URI as RTCIceServer gives it (RFC 7065). The port defaults to
 * 3478 (5349 for `turns:`), the transport to UDP (TLS for `turns:`).
 * @throws TurnError `ERR_INVALID_ARGUMENT`
 */
export function parseHostPort(text: string): {
  host: string;
  port: number;
  transport: "udp" | "tcp" | "tls";
} {
  let t = text.trim();
  let transport: "udp" | "tcp" | "tls" = "udp";
  const uri = /^turns?:/i.exec(t);
  if (uri) {
    const secure = /^turns:/i.test(t);
    if (secure) transport = "tls";
    t = t.slice(uri[0].length);
    const q = t.indexOf("?");
    if (q >= 0) {
      const query = t.slice(q + 1);
      t = t.slice(0, q);
      const given = /(?:^|&)transport=([^&]*)/i.exec(query)?.[1]?.toLowerCase();
      if (given === "tcp" && !secure) transport = "tcp";
      else if (given && !(given === "udp" && !secure) && !(given === "tcp" && secure)) {
        throw new TurnError("ERR_INVALID_ARGUMENT", `transport=${given} is not supported here`);
      }
    }
  }
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
  } else if (t.indexOf(":") !== t.lastIndexOf(":")) {
    if (ipFamily(t) !== "IPv6") throw new TurnError("ERR_INVALID_ARGUMENT", `"${text}" is not host:port`);
    host = t; // a bare IPv6 address
  } else {
    const i = t.indexOf(":");
    host = i >= 0 ? t.slice(0, i) : t;
    portText = i >= 0 ? t.slice(i + 1) : undefined;
  }
  const port = portText === undefined ? (transport === "tls" ? 5349 : 3478) : Number(portText);
  if (
    !host ||
    !Number.isInteger(port) ||
    port < 1 ||
    port > 65535 ||
    (portText !== undefined && !/^\d+$/.test(portText))
  ) {
    throw new TurnError("ERR_INVALID_ARGUMENT", `"${text}" is not host:port`);
  }
  return { host, port, transport };
}
