import { DtlsError } from "../errors.js";
import { parseUnifiedRecord, type UnifiedRecord } from "./aead13.js";

/** Record content types (RFC 5246 §6.2.1). */
export const ContentType = {
  changeCipherSpec: 20,
  alert: 21,
  handshake: 22,
  applicationData: 23,
  /** DTLS 1.3 ACK (RFC 9147 §7). */
  ack: 26,
} as const;
/** A content type value. */
export type ContentType = (typeof ContentType)[keyof typeof ContentType];

/** DTLS 1.2 on the wire (RFC 6347 §4.1). */
export const DTLS_1_2 = 0xfefd;
/** DTLS 1.0, used by some peers in the record of the first ClientHello. */
export const DTLS_1_0 = 0xfeff;

/** Length of the DTLS record header. */
export const RECORD_HEADER_LENGTH = 13;
/** Largest record body this stack accepts (2^14 plaintext + 2048 expansion, RFC 5246 §6.2.3). */
export const MAX_RECORD_BODY = 16384 + 2048;

/** One record of a datagram: its header fields and its (still protected) body. */
export interface DtlsRecord {
  type: number;
  version: number;
  epoch: number;
  /** 48-bit record sequence number. */
  sequence: number;
  /** The record body (a view into the datagram). */
  body: Uint8Array;
}

/**
 * Splits a datagram into records (RFC 6347 §4.1: several records may share a
 * datagram, none may span two). Parses until the first bad record; records
 * before it are returned, and `error` tells what stopped the parse.
 */
export function parseRecords(datagram: Uint8Array): { records: DtlsRecord[]; error?: DtlsError } {
  const records: DtlsRecord[] = [];
  let o = 0;
  while (o < datagram.length) {
    try {
      const r = parseRecord(datagram, o);
      records.push(r);
      o += RECORD_HEADER_LENGTH + r.body.length;
    } catch (error) {
      return { records, error: error as DtlsError };
    }
  }
  return { records };
}

/** Parses one record at `offset`; throws `DtlsError` for any malformed bytes. */
export function parseRecord(data: Uint8Array, offset = 0): DtlsRecord {
  if (data.length - offset < RECORD_HEADER_LENGTH)
    throw new DtlsError("ERR_DTLS_TRUNCATED", `record header: ${data.length - offset} bytes (want 13)`);
  const d = data;
  const o = offset;
  const type = d[o]!;
  if ((type < 20 || type > 23) && type !== 26)
    throw new DtlsError("ERR_DTLS_MALFORMED", `record content type ${type} unknown`);
  const version = (d[o + 1]! << 8) | d[o + 2]!;
  if (d[o + 1] !== 0xfe)
    throw new DtlsError("ERR_DTLS_UNSUPPORTED", `record version 0x${version.toString(16)} is not DTLS`);
  const epoch = (d[o + 3]! << 8) | d[o + 4]!;
  const sequence =
    d[o + 5]! * 2 ** 40 +
    d[o + 6]! * 2 ** 32 +
    ((d[o + 7]! << 24) >>> 0) +
    (d[o + 8]! << 16) +
    (d[o + 9]! << 8) +
    d[o + 10]!;
  const length = (d[o + 11]! << 8) | d[o + 12]!;
  if (length > MAX_RECORD_BODY)
    throw new DtlsError("ERR_DTLS_TOO_LARGE", `record of ${length} bytes (RFC 5246 §6.2.3)`);
  if (o + RECORD_HEADER_LENGTH + length > d.length)
    throw new DtlsError("ERR_DTLS_TRUNCATED", `record of ${length} bytes overruns its datagram`);
  return { type, version, epoch, sequence, body: d.subarray(o + 13, o + 13 + length) };
}

/** Writes a record header into `out` at `offset`. */
export function writeRecordHeader(
  out: Uint8Array,
  offset: number,
  type: number,
  version: number,
  epoch: number,
  sequence: number,
  length: number,
): void {
  out[offset] = type;
  out[offset + 1] = version >>> 8;
  out[offset + 2] = version & 0xff;
  out[offset + 3] = epoch >>> 8;
  out[offset + 4] = epoch & 0xff;
  const hi = Math.floor(sequence / 2 ** 32);
  const lo = sequence >>> 0;
  out[offset + 5] = hi >>> 8;
  out[offset + 6] = hi & 0xff;
  out[offset + 7] = lo >>> 24;
  out[offset + 8] = (lo >>> 16) & 0xff;
  out[offset + 9] = (lo >>> 8) & 0xff;
  out[offset + 10] = lo & 0xff;
  out[offset + 11] = length >>> 8;
  out[offset + 12] = length & 0xff;
}

/** Encodes a plaintext record (epoch 0 or any unprotected record). */
export function encodeRecord(
  type: number,
  version: number,
  epoch: number,
  sequence: number,
  body: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(RECORD_HEADER_LENGTH + body.length);
  writeRecordHeader(out, 0, type, version, epoch, sequence, body.length);
  out.set(body, RECORD_HEADER_LENGTH);
  return out;
}

/**
 * Splits a datagram into records of either form: DTLSPlaintext (the 13-byte
 * header of DTLS 1.2 and of DTLS 1.3's epoch 0) and DTLS 1.3 DTLSCiphertext
 * (unified header, first byte 001xxxxx, RFC 9147 §4.1). Parses until the
 * first bad record; `error` tells what stopped the parse.
 */
export function parseDatagram(datagram: Uint8Array): {
  records: (DtlsRecord | UnifiedRecord)[];
  error?: DtlsError;
} {
  const records: (DtlsRecord | UnifiedRecord)[] = [];
  let o = 0;
  while (o < datagram.length) {
    try {
      if ((datagram[o]! & 0xe0) === 0x20) {
        const { record, next } = parseUnifiedRecord(datagram, o);
        records.push(record);
        o = next;
        continue;
      }
      const r = parseRecord(datagram, o);
      records.push(r);
      o += RECORD_HEADER_LENGTH + r.body.length;
    } catch (error) {
      return { records, error: error as DtlsError };
    }
  }
  return { records };
}
