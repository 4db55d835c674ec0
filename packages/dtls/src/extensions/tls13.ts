import { Reader, u16List, Writer } from "../bytes.js";
import { DtlsError } from "../errors.js";
import type { RawExtension } from "./extension-type.js";

/** DTLS 1.3 and 1.2 on the wire. */
export const DTLS_1_3 = 0xfefc;

/** Extension code points of TLS 1.3 used here (RFC 8446 §4.2). */
export const Ext13 = {
  supportedVersions: 43,
  cookie: 44,
  pskKeyExchangeModes: 45,
  keyShare: 51,
} as const;

/** The extension of type `type`, if present. */
export function findExtension(raw: readonly RawExtension[], type: number): Uint8Array | undefined {
  for (const e of raw) if (e.type === type) return e.data;
  return undefined;
}

/** supported_versions of a ClientHello: a list of versions. */
export function parseClientVersions(data: Uint8Array): number[] {
  const r = new Reader(data, "supported_versions");
  const list = u16List(r.vec8(2, 254), "supported_versions");
  r.end();
  return list;
}

/** Encodes supported_versions of a ClientHello. */
export function encodeClientVersions(versions: readonly number[]): Uint8Array {
  const w = new Writer(1 + 2 * versions.length).u8(2 * versions.length);
  for (const v of versions) w.u16(v);
  return w.finish();
}

/** supported_versions of a ServerHello: the selected version. */
export function parseServerVersion(data: Uint8Array): number {
  const r = new Reader(data, "supported_versions");
  const v = r.u16();
  r.end();
  return v;
}

/** One KeyShareEntry. */
export interface KeyShareEntry {
  group: number;
  keyExchange: Uint8Array;
}

/** Most key shares read from a ClientHello (a bound on work). */
const MAX_SHARES = 16;

/** key_share of a ClientHello. */
export function parseClientShares(data: Uint8Array): KeyShareEntry[] {
  const r = new Reader(data, "key_share");
  const list = new Reader(r.vec16(), "client_shares");
  r.end();
  const out: KeyShareEntry[] = [];
  const seen = new Set<number>();
  while (list.remaining > 0) {
    const group = list.u16();
    const keyExchange = list.vec16(1);
    if (seen.has(group)) throw new DtlsError("ERR_DTLS_MALFORMED", "duplicate key share", { alert: 47 });
    seen.add(group);
    out.push({ group, keyExchange });
    if (out.length > MAX_SHARES) throw new DtlsError("ERR_DTLS_TOO_LARGE", "too many key shares");
  }
  return out;
}

/** Encodes key_share of a ClientHello. */
export function encodeClientShares(shares: readonly KeyShareEntry[]): Uint8Array {
  let n = 0;
  for (const s of shares) n += 4 + s.keyExchange.length;
  const w = new Writer(2 + n).u16(n);
  for (const s of shares) w.u16(s.group).vec16(s.keyExchange);
  return w.finish();
}

/** key_share of a ServerHello. */
export function parseServerShare(data: Uint8Array): KeyShareEntry {
  const r = new Reader(data, "key_share");
  const group = r.u16();
  const keyExchange = r.vec16(1);
  r.end();
  return { group, keyExchange };
}

/** Encodes key_share of a ServerHello. */
export function encodeServerShare(s: KeyShareEntry): Uint8Array {
  return new Writer(4 + s.keyExchange.length).u16(s.group).vec16(s.keyExchange).finish();
}

/** key_share of a HelloRetryRequest: the selected group. */
export function parseHrrGroup(data: Uint8Array): number {
  const r = new Reader(data, "key_share");
  const g = r.u16();
  r.end();
  return g;
}

/** cookie (RFC 8446 §4.2.2). */
export function parseCookie(data: Uint8Array): Uint8Array {
  const r = new Reader(data, "cookie");
  const c = r.vec16(1);
  r.end();
  return c;
}

/** Encodes a cookie extension. */
export function encodeCookie(cookie: Uint8Array): Uint8Array {
  return new Writer(cookie.length + 2).vec16(cookie).finish();
}

/** u16 helper: a two-byte big-endian value. */
export function u16(v: number): Uint8Array {
  return Uint8Array.of(v >>> 8, v & 0xff);
}
