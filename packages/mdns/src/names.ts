import { randomUUID } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";
import { MdnsError } from "./errors.js";

const UUID_V4_LOCAL = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.local$/;

/**
 * A fresh `<uuid-v4>.local` host name, as browsers use to hide host
 * candidates (draft-ietf-mmusic-mdns-ice-candidates §3.1.1).
 */
export function generateMdnsName(): string {
  return `${randomUUID()}.local`;
}

/** True for names of the form {@link generateMdnsName} makes (any letter case). */
export function isGeneratedMdnsName(name: string): boolean {
  return UUID_V4_LOCAL.test(normalizeMdnsName(name));
}

/**
 * Lower-cases a name and drops a trailing dot: mDNS names compare
 * case-insensitively (RFC 6762 §16).
 */
export function normalizeMdnsName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith(".") ? lower.slice(0, -1) : lower;
}

/**
 * True when `name` is a syntactically valid host name under `.local`
 * (labels of 1–63 bytes, at most 253 bytes in all; RFC 1035 §2.3.4).
 */
export function isMdnsName(name: string): boolean {
  if (typeof name !== "string") return false;
  const n = normalizeMdnsName(name);
  if (!n.endsWith(".local") || Buffer.byteLength(n) > 253) return false;
  const labels = n.split(".");
  return labels.length >= 2 && labels.every((l) => l.length > 0 && Buffer.byteLength(l) <= 63);
}

/** Checks and normalizes a `.local` name, or throws `ERR_INVALID_NAME`. */
export function checkMdnsName(name: string): string {
  if (!isMdnsName(name)) {
    throw new MdnsError(
      "ERR_INVALID_NAME",
      `"${String(name)}" is not a .local host name (RFC 6762 §3: link-local names end in .local)`,
    );
  }
  return normalizeMdnsName(name);
}

/** An address as the responder keeps it. */
export interface ParsedAddress {
  /** 4 → A record, 6 → AAAA record. */
  family: 4 | 6;
  /** The address without an IPv6 zone (`%eth0`), as put on the wire. */
  text: string;
  /** A canonical form for comparisons (hex of the address bytes). */
  key: string;
}

/** Parses an IPv4 or IPv6 address (an IPv6 zone is dropped), or throws `ERR_INVALID_ADDRESS`. */
export function parseAddress(address: string): ParsedAddress {
  const text = typeof address === "string" ? address.replace(/%.*$/, "") : "";
  if (isIPv4(text)) return { family: 4, text, key: addressKey(text) };
  if (isIPv6(text)) return { family: 6, text, key: addressKey(text) };
  throw new MdnsError("ERR_INVALID_ADDRESS", `"${String(address)}" is not an IPv4 or IPv6 address`);
}

/**
 * Canonical key of an IP address: hex of its bytes, so that `::1` and
 * `0:0:0:0:0:0:0:1` compare equal. Returns "" for a string that is not an IP.
 */
export function addressKey(ip: string): string {
  if (isIPv4(ip))
    return ip
      .split(".")
      .map((o) => Number(o).toString(16).padStart(2, "0"))
      .join("");
  if (!isIPv6(ip)) return "";
  let text = ip;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const hex = addressKey(v4[1]!);
    text = `${text.slice(0, -v4[1]!.length)}${hex.slice(0, 4)}:${hex.slice(4)}`;
  }
  const [head = "", tail] = text.split("::");
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const fill = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(fill).fill("0"), ...tailGroups];
  return groups.map((g) => g.padStart(4, "0").toLowerCase()).join("");
}
