import { createHash } from "node:crypto";
import { Reader, Writer } from "../bytes.js";
import { DtlsError } from "../errors.js";
import {
  encodeExtensions,
  type HelloExtensions,
  parseExtensions,
  type RawExtension,
} from "../extensions/index.js";

/** Handshake types that only DTLS 1.3 uses (RFC 8446 §4). */
export const HandshakeType13 = {
  new_session_ticket: 4,
  encrypted_extensions: 8,
  key_update: 24,
  message_hash: 254,
} as const;

/** ServerHello.random of a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3). */
export const HRR_RANDOM: Uint8Array = new Uint8Array(
  createHash("sha256").update("HelloRetryRequest").digest(),
);

/** Last 8 bytes of ServerHello.random of a 1.3-capable server negotiating DTLS 1.2 (RFC 8446 §4.1.3). */
export const DOWNGRADE_12 = Uint8Array.of(0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01);

/** The TLS 1.3 header of a handshake message: type and 24-bit length (what DTLS 1.3 hashes, RFC 9147 §5.2). */
export function tlsHeader(type: number, length: number): Uint8Array {
  return Uint8Array.of(type, length >>> 16, (length >>> 8) & 0xff, length & 0xff);
}

/** A handshake message as TLS 1.3 hashes it: type, 24-bit length, body (RFC 9147 §5.2). */
export function tlsMessage(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  out[0] = type;
  out[1] = body.length >>> 16;
  out[2] = (body.length >>> 8) & 0xff;
  out[3] = body.length & 0xff;
  out.set(body, 4);
  return out;
}

/** EncryptedExtensions body. */
export function parseEncryptedExtensions(body: Uint8Array): HelloExtensions {
  const r = new Reader(body, "EncryptedExtensions");
  const ext = parseExtensions(r.vec16());
  r.end();
  return ext;
}

/** Encodes EncryptedExtensions. */
export function encodeEncryptedExtensions(list: readonly RawExtension[]): Uint8Array {
  return encodeExtensions(list);
}

/** CertificateRequest of TLS 1.3 (RFC 8446 §4.3.2). */
export interface CertificateRequest13 {
  context: Uint8Array;
  extensions: HelloExtensions;
}

/** Parses a TLS 1.3 CertificateRequest. */
export function parseCertificateRequest13(body: Uint8Array): CertificateRequest13 {
  const r = new Reader(body, "CertificateRequest");
  const context = r.vec8();
  const extensions = parseExtensions(r.vec16(2));
  r.end();
  return { context, extensions };
}

/** Encodes a TLS 1.3 CertificateRequest. */
export function encodeCertificateRequest13(context: Uint8Array, list: readonly RawExtension[]): Uint8Array {
  const ext = encodeExtensions(list);
  return new Writer(1 + context.length + ext.length).vec8(context).bytes(ext).finish();
}

/** Most certificates accepted in a chain. */
const MAX_CHAIN = 10;

/** Parses a TLS 1.3 Certificate: context and the certificates (DER), leaf first; entry extensions ignored. */
export function parseCertificate13(body: Uint8Array): { context: Uint8Array; chain: Uint8Array[] } {
  const r = new Reader(body, "Certificate");
  const context = r.vec8();
  const list = new Reader(r.vec24(), "certificate_list");
  r.end();
  const chain: Uint8Array[] = [];
  while (list.remaining > 0) {
    chain.push(list.vec24(1));
    list.vec16();
    if (chain.length > MAX_CHAIN) throw new DtlsError("ERR_DTLS_TOO_LARGE", "certificate chain too long");
  }
  return { context, chain };
}

/** Encodes a TLS 1.3 Certificate with no entry extensions. */
export function encodeCertificate13(context: Uint8Array, chain: readonly Uint8Array[]): Uint8Array {
  let list = 0;
  for (const c of chain) list += 3 + c.length + 2;
  const w = new Writer(1 + context.length + 3 + list).vec8(context).u24(list);
  for (const c of chain) w.vec24(c).u16(0);
  return w.finish();
}

/**
 * Certificate bodies with an empty request context (a server's, and a client's answering a
 * WebRTC CertificateRequest) by certificate DER: an endpoint presents the same certificate in
 * every handshake, so its body is encoded once. Keyed by the DER array itself: a new
 * certificate is a new array, never served an old body.
 */
const certificate13Bodies = new WeakMap<Uint8Array, Uint8Array>();

/** {@link encodeCertificate13} of one certificate, with the body of an empty context kept per certificate. */
export function certificate13Body(context: Uint8Array, der: Uint8Array): Uint8Array {
  if (context.length !== 0) return encodeCertificate13(context, [der]);
  let body = certificate13Bodies.get(der);
  if (!body) {
    body = encodeCertificate13(context, [der]);
    certificate13Bodies.set(der, body);
  }
  return body;
}

/** KeyUpdate (RFC 8446 §4.6.3): whether the peer must update too. */
export function parseKeyUpdate(body: Uint8Array): boolean {
  const r = new Reader(body, "KeyUpdate");
  const v = r.u8();
  r.end();
  if (v > 1) throw new DtlsError("ERR_DTLS_MALFORMED", `KeyUpdate request ${v}`, { alert: 47 });
  return v === 1;
}

/** A record number in an ACK (RFC 9147 §7). */
export interface RecordNumber {
  epoch: number;
  seq: number;
}

/** Most record numbers read from one ACK. */
const MAX_ACKED = 256;

/** Parses an ACK body. */
export function parseAck(body: Uint8Array): RecordNumber[] {
  const r = new Reader(body, "ACK");
  const list = new Reader(r.vec16(), "record_numbers");
  r.end();
  if (list.remaining % 16 !== 0) throw new DtlsError("ERR_DTLS_MALFORMED", "ACK length not a multiple of 16");
  const out: RecordNumber[] = [];
  while (list.remaining > 0 && out.length < MAX_ACKED) {
    list.u16();
    const epoch = list.u48();
    list.u16();
    const seq = list.u48();
    out.push({ epoch, seq });
  }
  return out;
}

/** Encodes an ACK body. */
export function encodeAck(records: readonly RecordNumber[]): Uint8Array {
  const w = new Writer(2 + 16 * records.length).u16(16 * records.length);
  for (const n of records) w.u16(0).u48(n.epoch).u16(0).u48(n.seq);
  return w.finish();
}
