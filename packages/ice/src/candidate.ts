import { isIP } from "node:net";
import { IceError } from "./errors.js";

/** Candidate types of RFC 8445 §5.1.1. */
export type CandidateType = "host" | "srflx" | "prflx" | "relay";

const CANDIDATE_TYPES: ReadonlySet<string> = new Set(["host", "srflx", "prflx", "relay"]);

/**
 * One ICE candidate, as carried by an SDP `a=candidate:` attribute
 * (RFC 8839 §5.1). Plain data: the agent keeps its own state beside it.
 */
export interface Candidate {
  /** 1–32 ice-chars; equal for candidates that share type, base, server and transport. */
  foundation: string;
  /** Component ID, 1–256 (1 = RTP or the only component). */
  component: number;
  /** Transport as written (`udp`, `UDP`, `tcp`); compare case-insensitively. */
  transport: string;
  /** Priority, 0 … 2^32−1 (RFC 8445 §5.1.2). */
  priority: number;
  /** IP address, or a hostname such as an mDNS `<uuid>.local` name. */
  address: string;
  port: number;
  type: CandidateType;
  /** `raddr`: the base (srflx, prflx) or mapped address (relay). */
  relatedAddress?: string | undefined;
  /** `rport`. */
  relatedPort?: number | undefined;
  /** `tcptype` (active, passive, so) of TCP candidates. */
  tcpType?: string | undefined;
  /** `generation` (Chromium; ICE restart counter). */
  generation?: number | undefined;
  /** `ufrag` (Chromium): the ufrag the candidate belongs to. */
  ufrag?: string | undefined;
  /** `network-id` (Chromium). */
  networkId?: number | undefined;
  /** `network-cost` (Chromium). */
  networkCost?: number | undefined;
  /** Extensions this parser does not know, in order, kept for re-serialization. */
  extensions: Array<[name: string, value: string]>;
}

/** Longest attribute accepted: real ones are under 200 characters. */
const MAX_ATTRIBUTE_LENGTH = 2048;
const ICE_CHARS = /^[A-Za-z0-9+/]+$/;
const DIGITS = /^[0-9]{1,10}$/;
const TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/;
const HOSTNAME =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/;
const EXTENSION_VALUE = /^[\x21-\x7e\x80-\uffff]+$/;

function syntax(message: string): IceError {
  return new IceError("ERR_CANDIDATE_SYNTAX", `candidate attribute (RFC 8839 §5.1): ${message}`);
}

function number(text: string, what: string, max: number): number {
  if (!DIGITS.test(text)) throw syntax(`${what} "${text.slice(0, 20)}" is not a number`);
  const n = Number(text);
  if (n > max) throw new IceError("ERR_CANDIDATE_VALUE", `candidate ${what} ${n} is above ${max}`);
  return n;
}

function connectionAddress(text: string, what: string): string {
  if (isIP(text) !== 0) return text;
  if (text.length <= 253 && HOSTNAME.test(text)) return text;
  throw syntax(`${what} "${text.slice(0, 40)}" is neither an IP address nor a host name`);
}

/**
 * Parses an SDP candidate attribute: `candidate:…`, with or without a leading
 * `a=`, and tolerant of a trailing CRLF. Unknown extensions are kept.
 * @throws IceError `ERR_CANDIDATE_SYNTAX` or `ERR_CANDIDATE_VALUE`.
 */
export function parseCandidate(attribute: string): Candidate {
  if (typeof attribute !== "string") throw syntax("not a string");
  if (attribute.length > MAX_ATTRIBUTE_LENGTH) throw syntax(`longer than ${MAX_ATTRIBUTE_LENGTH} characters`);
  let text = attribute.trim();
  if (text.startsWith("a=")) text = text.slice(2);
  if (!text.startsWith("candidate:")) throw syntax('does not start with "candidate:"');
  const fields = text.slice("candidate:".length).split(" ");
  if (fields.length < 8) throw syntax(`${fields.length} fields, at least 8 needed`);
  if (fields.some((f) => f === "")) throw syntax("empty field (two spaces in a row?)");
  const [foundation, component, transport, priority, address, port, typ, type] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (foundation.length > 32 || !ICE_CHARS.test(foundation)) {
    throw syntax(`foundation "${foundation.slice(0, 40)}" is not 1-32 ice-chars`);
  }
  if (!TOKEN.test(transport)) throw syntax(`transport "${transport.slice(0, 20)}" is not a token`);
  if (typ !== "typ") throw syntax(`"typ" expected, got "${typ.slice(0, 20)}"`);
  if (!CANDIDATE_TYPES.has(type)) {
    throw new IceError(
      "ERR_CANDIDATE_VALUE",
      `candidate type "${type.slice(0, 20)}" is not host, srflx, prflx or relay`,
    );
  }
  const candidate: Candidate = {
    foundation,
    component: number(component, "component", 256),
    transport,
    priority: number(priority, "priority", 0xffff_ffff),
    address: connectionAddress(address, "connection-address"),
    port: number(port, "port", 65535),
    type: type as CandidateType,
    extensions: [],
  };
  if (candidate.component < 1)
    throw new IceError("ERR_CANDIDATE_VALUE", "candidate component 0 (must be 1-256)");
  const rest = fields.slice(8);
  if (rest.length % 2 !== 0) throw syntax("an extension name without a value");
  for (let i = 0; i < rest.length; i += 2) {
    const name = rest[i]!;
    const value = rest[i + 1]!;
    if (!TOKEN.test(name)) throw syntax(`extension name "${name.slice(0, 20)}" is not a token`);
    if (!EXTENSION_VALUE.test(value)) throw syntax(`extension ${name} has a value with control characters`);
    switch (name) {
      case "raddr":
        candidate.relatedAddress = connectionAddress(value, "raddr");
        break;
      case "rport":
        candidate.relatedPort = number(value, "rport", 65535);
        break;
      case "tcptype":
        candidate.tcpType = value;
        break;
      case "generation":
        candidate.generation = number(value, "generation", 0xffff_ffff);
        break;
      case "ufrag":
        candidate.ufrag = value;
        break;
      case "network-id":
        candidate.networkId = number(value, "network-id", 0xffff_ffff);
        break;
      case "network-cost":
        candidate.networkCost = number(value, "network-cost", 0xffff_ffff);
        break;
      default:
        if (candidate.extensions.length >= 32) throw syntax("more than 32 unknown extensions");
        candidate.extensions.push([name, value]);
    }
  }
  if ((candidate.relatedAddress === undefined) !== (candidate.relatedPort === undefined)) {
    throw syntax("raddr and rport must come together");
  }
  return candidate;
}

/**
 * Writes a candidate as SDP does (without `a=`): the mandatory fields, then
 * `raddr rport`, `tcptype`, `generation`, `ufrag`, `network-id`,
 * `network-cost` (Chromium's order), then unknown extensions as received.
 */
export function serializeCandidate(c: Candidate): string {
  let s = `candidate:${c.foundation} ${c.component} ${c.transport} ${c.priority} ${c.address} ${c.port} typ ${c.type}`;
  if (c.relatedAddress !== undefined && c.relatedPort !== undefined) {
    s += ` raddr ${c.relatedAddress} rport ${c.relatedPort}`;
  }
  if (c.tcpType !== undefined) s += ` tcptype ${c.tcpType}`;
  if (c.generation !== undefined) s += ` generation ${c.generation}`;
  if (c.ufrag !== undefined) s += ` ufrag ${c.ufrag}`;
  if (c.networkId !== undefined) s += ` network-id ${c.networkId}`;
  if (c.networkCost !== undefined) s += ` network-cost ${c.networkCost}`;
  for (const [name, value] of c.extensions) s += ` ${name} ${value}`;
  return s;
}

/** Type preferences of RFC 8445 §5.1.2.2 (recommended values). */
export const TYPE_PREFERENCE: Readonly<Record<CandidateType, number>> = {
  host: 126,
  prflx: 110,
  srflx: 100,
  relay: 0,
};

/**
 * Candidate priority (RFC 8445 §5.1.2.1):
 * `2^24 · type preference + 2^8 · local preference + (256 − component)`.
 */
export function candidatePriority(type: CandidateType, localPreference: number, component = 1): number {
  if (!Number.isInteger(localPreference) || localPreference < 0 || localPreference > 65535) {
    throw new IceError("ERR_CANDIDATE_VALUE", `local preference ${localPreference} is not 0-65535`);
  }
  return TYPE_PREFERENCE[type] * 2 ** 24 + localPreference * 2 ** 8 + (256 - component);
}

/**
 * Foundation (RFC 8445 §5.1.1.3): the same for candidates with the same type,
 * base IP address, STUN/TURN server and transport, different otherwise. A
 * 32-bit FNV-1a hash of those four, written in decimal as browsers do.
 */
export function candidateFoundation(
  type: CandidateType,
  baseAddress: string,
  server = "",
  transport = "udp",
): string {
  let hash = 0x811c9dc5;
  const text = `${type}|${baseAddress}|${server}|${transport.toLowerCase()}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return String(hash);
}

/** 4 or 6 for an IP address, 0 for a host name. */
export function addressFamily(address: string): 0 | 4 | 6 {
  return isIP(address) as 0 | 4 | 6;
}

/** True for an mDNS host name (`….local`, RFC 6762). */
export function isMdnsName(address: string): boolean {
  return /\.local\.?$/i.test(address) && isIP(address) === 0;
}

/** `ip:port`, IPv6 in brackets. */
export function candidateAddress(c: { address: string; port: number }): string {
  return c.address.includes(":") ? `[${c.address}]:${c.port}` : `${c.address}:${c.port}`;
}
