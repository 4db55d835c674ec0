import { IceError, parseCandidate as parseIceCandidate, serializeCandidate } from "@purertc/ice";
import { SdpError } from "../errors.js";
import type { SdpCandidate, SdpFingerprint, SdpGroup, SdpSetup } from "./types.js";

// ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839 §5.4).
const ICE_CHARS = /^[A-Za-z0-9+/]+$/;
const TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/;
const DIGITS = /^[0-9]+$/;
const HEX_PAIRS = /^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})*$/;

/** Digest lengths in bytes of the hash functions of RFC 8122 §5 that WebRTC uses. */
export const FINGERPRINT_LENGTHS: Readonly<Record<string, number>> = {
  "sha-1": 20,
  "sha-224": 28,
  "sha-256": 32,
  "sha-384": 48,
  "sha-512": 64,
};

function fail(message: string, line?: number): never {
  throw new SdpError("ERR_SDP_ATTRIBUTE", message, line);
}

/** Parses a bounded decimal integer, or throws ERR_SDP_ATTRIBUTE with `what`. */
export function parseInteger(text: string, max: number, what: string, line?: number): number {
  if (!DIGITS.test(text) || text.length > 16) fail(`${what}: "${text}" is not a number`, line);
  const n = Number(text);
  if (n > max) fail(`${what}: ${text} exceeds ${max}`, line);
  return n;
}

/** `a=ice-ufrag` (4–256 ice-chars) and `a=ice-pwd` (22–256), RFC 8839 §5.4. */
export function parseIceCredential(value: string, kind: "ice-ufrag" | "ice-pwd", line?: number): string {
  const min = kind === "ice-ufrag" ? 4 : 22;
  if (!ICE_CHARS.test(value) || value.length < min || value.length > 256) {
    fail(`a=${kind} must be ${min}–256 of [A-Za-z0-9+/] (RFC 8839 §5.4), got "${value}"`, line);
  }
  return value;
}

/** `a=ice-options` (RFC 8839 §5.6): space-separated tokens. */
export function parseIceOptions(value: string, line?: number): string[] {
  const options = value.split(" ").filter((t) => t !== "");
  for (const t of options) if (!TOKEN.test(t)) fail(`a=ice-options: bad token "${t}" (RFC 8839 §5.6)`, line);
  return options;
}

/** `a=fingerprint` (RFC 8122 §5): `hash-func SP hex:hex:…`, length checked for known functions. */
export function parseFingerprint(value: string, line?: number): SdpFingerprint {
  const space = value.indexOf(" ");
  if (space <= 0) fail(`a=fingerprint wants "<hash> <hex>" (RFC 8122 §5), got "${value}"`, line);
  const algorithm = value.slice(0, space).toLowerCase();
  const digest = value.slice(space + 1).trim();
  if (!TOKEN.test(algorithm) || !HEX_PAIRS.test(digest)) {
    fail(`a=fingerprint wants "<hash> <hex>" (RFC 8122 §5), got "${value}"`, line);
  }
  const expected = FINGERPRINT_LENGTHS[algorithm];
  if (expected !== undefined && (digest.length + 1) / 3 !== expected) {
    fail(`a=fingerprint ${algorithm} wants ${expected} bytes, got ${(digest.length + 1) / 3}`, line);
  }
  return { algorithm, value: digest.toUpperCase() };
}

/** The bytes of a fingerprint's digest. */
export function fingerprintBytes(fingerprint: SdpFingerprint): Uint8Array {
  return Uint8Array.from(fingerprint.value.split(":"), (h) => Number.parseInt(h, 16));
}

/** Formats a digest as `AB:CD:…` (the form `a=fingerprint` carries). */
export function formatFingerprintValue(digest: Uint8Array): string {
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0").toUpperCase()).join(":");
}

/** `a=setup` (RFC 4145 §4). */
export function parseSetup(value: string, line?: number): SdpSetup {
  if (value === "actpass" || value === "active" || value === "passive" || value === "holdconn") return value;
  return fail(`a=setup must be actpass, active, passive or holdconn (RFC 4145 §4), got "${value}"`, line);
}

/** `a=group` (RFC 5888 §5): semantics and the mids it groups. */
export function parseGroup(value: string, line?: number): SdpGroup {
  const [semantics = "", ...mids] = value.split(" ").filter((t) => t !== "");
  if (!TOKEN.test(semantics)) fail(`a=group: bad semantics "${semantics}" (RFC 5888 §5)`, line);
  for (const mid of mids) if (!TOKEN.test(mid)) fail(`a=group: bad mid "${mid}" (RFC 5888 §5)`, line);
  return { semantics, mids };
}

/** `a=mid` (RFC 5888 §4): a non-empty token. */
export function parseMid(value: string, line?: number): string {
  if (!TOKEN.test(value) || value.length > 256) fail(`a=mid: bad identification tag "${value}"`, line);
  return value;
}

/**
 * Parses an ICE candidate attribute (RFC 8839 §5.1) with @purertc/ice's
 * parser, the one candidate grammar in purertc, so a candidate the SDP layer
 * accepts is one the agent accepts. Accepts the value after `a=candidate:`,
 * or the whole `candidate:…` string that trickle signalling carries
 * (RTCIceCandidateInit.candidate), with or without `a=`.
 * @throws SdpError ERR_SDP_ATTRIBUTE, the IceError as its cause
 */
export function parseCandidate(text: string, line?: number): SdpCandidate {
  const attribute = typeof text === "string" && !/^(?:a=)?candidate:/.test(text) ? `candidate:${text}` : text;
  try {
    return parseIceCandidate(attribute);
  } catch (error) {
    if (!(error instanceof IceError)) throw error;
    throw new SdpError("ERR_SDP_ATTRIBUTE", error.message, line, { cause: error });
  }
}

/**
 * Formats a candidate as `candidate:…` (what trickle carries; prefix `a=` for
 * an SDP line): @purertc/ice's serializer, fields in RFC 8839's order, then
 * the extensions Chromium writes in its order, then unknown ones as received.
 */
export const formatCandidate: (c: SdpCandidate) => string = serializeCandidate;
