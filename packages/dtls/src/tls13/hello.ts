import { concat } from "../bytes.js";
import type { ResolvedConfig } from "../config.js";
import type { CipherSuite13 } from "../crypto/cipher-suites13.js";
import type { CookieAuthority } from "../crypto/cookie.js";
import { CookieAuthority as Authority } from "../crypto/cookie.js";
import { isGroup13, NamedGroup } from "../crypto/groups.js";
import { digestLength } from "../crypto/hkdf.js";
import { digestOf } from "../crypto/hmac.js";
import { type ClientShare13, clientShare13, x25519Half } from "../crypto/key-exchange13.js";
import { ExtensionType, type RawExtension } from "../extensions/index.js";
import {
  DTLS_1_3,
  Ext13,
  encodeClientShares,
  encodeCookie,
  findExtension,
  parseClientVersions,
  u16,
} from "../extensions/tls13.js";
import type { ClientHello } from "../handshake/client-hello.js";
import { encodeServerHello } from "../handshake/server-hello.js";
import { HandshakeType13, HRR_RANDOM, tlsMessage } from "../handshake/tls13.js";
import { DTLS_1_2 } from "../record/header.js";

/** What a client keeps of its DTLS 1.3 offer, for the hand-over to the 1.3 handshake. */
export interface Offer13 {
  random: Uint8Array;
  /** Body of the last ClientHello sent. */
  helloBody: Uint8Array;
  shares: ClientShare13[];
  cipherSuites: number[];
  /** The hello's extensions other than key_share and cookie. */
  extensions: RawExtension[];
}

/** The groups a client sends key shares for: its first 1.3 group, and x25519 beside a hybrid (as browsers do). */
export function initialShareGroups(config: ResolvedConfig): number[] {
  const groups = config.groups.filter(isGroup13);
  const first = groups[0];
  if (first === undefined) return [];
  if (first === NamedGroup.X25519MLKEM768 && groups.includes(NamedGroup.x25519))
    return [first, NamedGroup.x25519];
  return [first];
}

/** Makes the client's key shares; an x25519 one beside X25519MLKEM768 reuses the hybrid's x25519 key. */
export function makeShares(config: ResolvedConfig, groups: readonly number[]): ClientShare13[] {
  const shares: ClientShare13[] = [];
  for (const g of groups) {
    const reused = g === NamedGroup.x25519 ? shares.find((s) => s.x25519) : undefined;
    shares.push((reused && x25519Half(reused)) || clientShare13(config.crypto, g, config.mlkemPool));
  }
  return shares;
}

/** The DTLS 1.3 extensions a ClientHello adds (supported_versions, then key_share and cookie last). */
export function offerExtensions13(config: ResolvedConfig): RawExtension {
  const versions = config.v12 ? [DTLS_1_3, DTLS_1_2] : [DTLS_1_3];
  const w = new Uint8Array(1 + 2 * versions.length);
  w[0] = 2 * versions.length;
  versions.forEach((v, i) => {
    w[1 + 2 * i] = v >>> 8;
    w[2 + 2 * i] = v & 0xff;
  });
  return { type: Ext13.supportedVersions, data: w };
}

/** key_share (and cookie) extensions for `shares`. */
export function shareExtensions(shares: readonly ClientShare13[], cookie?: Uint8Array): RawExtension[] {
  const out: RawExtension[] = [
    {
      type: Ext13.keyShare,
      data: encodeClientShares(shares.map((s) => ({ group: s.group, keyExchange: s.publicKey }))),
    },
  ];
  if (cookie) out.push({ type: Ext13.cookie, data: encodeCookie(cookie) });
  return out;
}

/** Whether a ClientHello offers DTLS 1.3 (a server ignores non-DTLS codes, e.g. Firefox's 0x0303). */
export function offers13(hello: ClientHello): boolean {
  const sv = findExtension(hello.extensions.raw, Ext13.supportedVersions);
  if (!sv) return false;
  return parseClientVersions(sv).includes(DTLS_1_3);
}

/**
 * The message_hash message replacing ClientHello1 in the transcript after a
 * HelloRetryRequest (RFC 8446 §4.4.1), from Hash(ClientHello1).
 */
export function messageHash(helloHash: Uint8Array): Uint8Array {
  return tlsMessage(HandshakeType13.message_hash, helloHash);
}

/** A HelloRetryRequest body (deterministic: a stateless server rebuilds it from the cookie). */
export function encodeHelloRetryRequest(suite: number, group: number, cookie: Uint8Array): Uint8Array {
  const extensions: RawExtension[] = [{ type: Ext13.supportedVersions, data: u16(DTLS_1_3) }];
  if (group !== 0) extensions.push({ type: Ext13.keyShare, data: u16(group) });
  extensions.push({ type: Ext13.cookie, data: encodeCookie(cookie) });
  return encodeServerHello({
    version: DTLS_1_2,
    random: HRR_RANDOM,
    sessionId: new Uint8Array(0),
    cipherSuite: suite,
    compressionMethod: 0,
    extensions,
  });
}

let processCookies: CookieAuthority | undefined;

/** The authority of HelloRetryRequest cookies: the connection's, else one per process. */
export function hrrCookies(config: ResolvedConfig): CookieAuthority {
  if (config.cookies) return config.cookies;
  processCookies ??= new Authority();
  return processCookies;
}

/**
 * A HelloRetryRequest cookie: suite ‖ group ‖ Hash(ClientHello1) ‖ MAC. It
 * carries all a stateless server needs to rebuild the transcript.
 */
export function makeHrrCookie(
  cookies: CookieAuthority,
  remote: string,
  suite: CipherSuite13,
  group: number,
  hello1: Uint8Array,
): Uint8Array {
  const payload = concat(u16(suite.id), u16(group), digestOf(suite.hash, [hello1]));
  return concat(payload, cookies.make(remote, payload));
}

/** Checks a cookie from ClientHello2; returns its fields or undefined. */
export function openHrrCookie(
  cookies: CookieAuthority,
  remote: string,
  cookie: Uint8Array,
  suiteOf: (id: number) => CipherSuite13 | undefined,
): { suite: CipherSuite13; group: number; helloHash: Uint8Array } | undefined {
  if (cookie.length < 4) return undefined;
  const suite = suiteOf((cookie[0]! << 8) | cookie[1]!);
  if (!suite) return undefined;
  const n = 4 + digestLength(suite.hash);
  if (cookie.length <= n) return undefined;
  const payload = cookie.subarray(0, n);
  if (!cookies.verify(remote, payload, cookie.subarray(n))) return undefined;
  return { suite, group: (cookie[2]! << 8) | cookie[3]!, helloHash: cookie.slice(4, n) };
}

/** srtp/use_srtp is an extension type both versions share. */
export const USE_SRTP = ExtensionType.useSrtp;
