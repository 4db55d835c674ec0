import { AddressFamily, MAGIC_COOKIE } from "../constants.js";
import { StunError } from "../errors.js";

/** A transport address as the address attributes carry it. */
export interface StunAddress {
  /** `"IPv4"` or `"IPv6"` (as Node's RemoteInfo names them). */
  family: "IPv4" | "IPv6";
  /** Dotted-quad or RFC 5952 text form (lowercase, `::` compressed). */
  address: string;
  /** UDP/TCP port, 0–65535. */
  port: number;
}

/** Parses an IPv4 address into 4 bytes at `out[offset]`; false if it is not one. */
function parseIPv4(text: string, out: Uint8Array, offset: number): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || part > 3) return false;
      out[offset + part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      if (++digits > 3 || value > 255) return false;
    } else return false;
  }
  return part === 4;
}

/** Parses an IPv6 address (with `::` and a dotted IPv4 tail) into 16 bytes. */
function parseIPv6(text: string, out: Uint8Array, offset: number): boolean {
  const zone = text.indexOf("%");
  const t = zone >= 0 ? text.slice(0, zone) : text;
  const halves = t.split("::");
  if (halves.length > 2) return false;
  const groups: number[] = [];
  const tail: number[] = [];
  const parse = (s: string, into: number[]): boolean => {
    if (s === "") return true;
    const parts = s.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = new Uint8Array(4);
        if (!parseIPv4(p, v4, 0)) return false;
        into.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return false;
        into.push(Number.parseInt(p, 16));
      }
    }
    return true;
  };
  if (!parse(halves[0]!, groups)) return false;
  if (halves.length === 2) {
    if (!parse(halves[1]!, tail)) return false;
    if (groups.length + tail.length > 7) return false;
    while (groups.length + tail.length < 8) groups.push(0);
    groups.push(...tail);
  }
  if (groups.length !== 8) return false;
  for (let i = 0; i < 8; i++) {
    out[offset + i * 2] = groups[i]! >>> 8;
    out[offset + i * 2 + 1] = groups[i]! & 0xff;
  }
  return true;
}

/**
 * Writes the bytes of an IP address at `out[offset]`: 4 for IPv4, 16 for
 * IPv6. Returns the family number (1 or 2).
 * @throws StunError `ERR_INVALID_ARGUMENT` when `text` is neither.
 */
export function writeIp(text: string, out: Uint8Array, offset: number): 1 | 2 {
  if (parseIPv4(text, out, offset)) return AddressFamily.IPv4;
  if (parseIPv6(text, out, offset)) return AddressFamily.IPv6;
  throw new StunError("ERR_INVALID_ARGUMENT", `"${text}" is not an IP address`);
}

/** The family of an IP address in text form, or undefined. */
export function ipFamily(text: string): "IPv4" | "IPv6" | undefined {
  const buf = new Uint8Array(16);
  if (parseIPv4(text, buf, 0)) return "IPv4";
  if (parseIPv6(text, buf, 0)) return "IPv6";
  return undefined;
}

/** Formats 4 or 16 address bytes (RFC 5952 for IPv6). */
export function formatIp(bytes: Uint8Array, offset: number, family: 1 | 2): string {
  if (family === AddressFamily.IPv4) {
    return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
  }
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((bytes[offset + i * 2]! << 8) | bytes[offset + i * 2 + 1]!);
  // The longest run (≥2) of zero groups becomes "::" (first one on ties).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(":");
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

/**
 * Decodes a MAPPED-ADDRESS-style value (RFC 8489 §14.1) at
 * `message[offset..+length]`; with `xor`, the XOR form (§14.2), whose key is
 * the magic cookie and transaction id, i.e. header bytes 4–19 of `message`
 * (which must start at index 0).
 * @throws StunError `ERR_BAD_ATTRIBUTE` on a bad family or length.
 */
export function decodeAddress(
  message: Uint8Array,
  offset: number,
  length: number,
  xor: boolean,
  name: string,
): StunAddress {
  if (length < 4) throw new StunError("ERR_BAD_ATTRIBUTE", `${name}: ${length} bytes is too short`);
  const family = message[offset + 1]!;
  let port = (message[offset + 2]! << 8) | message[offset + 3]!;
  if (xor) port ^= MAGIC_COOKIE >>> 16;
  if (family === AddressFamily.IPv4) {
    if (length !== 8) throw new StunError("ERR_BAD_ATTRIBUTE", `${name}: IPv4 value of ${length} bytes`);
    let a = message[offset + 4]!;
    let b = message[offset + 5]!;
    let c = message[offset + 6]!;
    let d = message[offset + 7]!;
    if (xor) {
      a ^= 0x21;
      b ^= 0x12;
      c ^= 0xa4;
      d ^= 0x42;
    }
    return { family: "IPv4", address: `${a}.${b}.${c}.${d}`, port };
  }
  if (family === AddressFamily.IPv6) {
    if (length !== 20) throw new StunError("ERR_BAD_ATTRIBUTE", `${name}: IPv6 value of ${length} bytes`);
    // A copy, explicitly: on a Buffer (what dgram delivers) slice() is a view,
    // and XORing it would corrupt the message.
    const ip = new Uint8Array(16);
    for (let i = 0; i < 16; i++) ip[i] = message[offset + 4 + i]!;
    if (xor) for (let i = 0; i < 16; i++) ip[i]! ^= message[4 + i]!;
    return { family: "IPv6", address: formatIp(ip, 0, 2), port };
  }
  throw new StunError("ERR_BAD_ATTRIBUTE", `${name}: unknown address family ${family}`);
}

/**
 * Encodes an address value at `out[offset]` (the message starts at index 0
 * of `out` and its header, transaction id included, is already written).
 * Returns the value length (8 or 20).
 */
export function encodeAddress(out: Uint8Array, offset: number, value: StunAddress, xor: boolean): number {
  const family = writeIp(value.address, out, offset + 4);
  if (!Number.isInteger(value.port) || value.port < 0 || value.port > 0xffff) {
    throw new StunError("ERR_INVALID_ARGUMENT", `port ${value.port} is out of range`);
  }
  const port = xor ? value.port ^ (MAGIC_COOKIE >>> 16) : value.port;
  out[offset] = 0;
  out[offset + 1] = family;
  out[offset + 2] = port >>> 8;
  out[offset + 3] = port & 0xff;
  const n = family === AddressFamily.IPv4 ? 4 : 16;
  if (xor) for (let i = 0; i < n; i++) out[offset + 4 + i]! ^= out[4 + i]!;
  return 4 + n;
}
