import { DtlsError } from "../errors.js";

/** Handshake message types (RFC 5246 §7.4, RFC 6347 §4.3.2). */
export const HandshakeType = {
  hello_request: 0,
  client_hello: 1,
  server_hello: 2,
  hello_verify_request: 3,
  certificate: 11,
  server_key_exchange: 12,
  certificate_request: 13,
  server_hello_done: 14,
  certificate_verify: 15,
  client_key_exchange: 16,
  finished: 20,
} as const;
/** A handshake type value. */
export type HandshakeType = (typeof HandshakeType)[keyof typeof HandshakeType];

/** Length of the DTLS handshake header. */
export const HANDSHAKE_HEADER_LENGTH = 12;

/** One handshake fragment (RFC 6347 §4.2.2). */
export interface HandshakeFragment {
  type: number;
  /** Length of the whole message. */
  length: number;
  messageSeq: number;
  fragmentOffset: number;
  /** The fragment's bytes (a view). */
  body: Uint8Array;
  /**
   * For a fragment that is the whole message: header and body as received (a
   * view), which is exactly what the transcript hashes (RFC 6347 §4.2.6).
   */
  whole?: Uint8Array | undefined;
}

/**
 * Parses the handshake fragments of one handshake record body. Throws
 * `DtlsError` for a header that is short or whose fragment overruns the
 * message or the record.
 */
export function parseHandshakeFragments(data: Uint8Array, maxMessage: number): HandshakeFragment[] {
  const out: HandshakeFragment[] = [];
  let o = 0;
  while (o < data.length) {
    if (data.length - o < HANDSHAKE_HEADER_LENGTH)
      throw new DtlsError("ERR_DTLS_TRUNCATED", `handshake header: ${data.length - o} bytes (want 12)`);
    const d = data;
    const type = d[o]!;
    const length = (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!;
    const messageSeq = (d[o + 4]! << 8) | d[o + 5]!;
    const fragmentOffset = (d[o + 6]! << 16) | (d[o + 7]! << 8) | d[o + 8]!;
    const fragmentLength = (d[o + 9]! << 16) | (d[o + 10]! << 8) | d[o + 11]!;
    if (length > maxMessage)
      throw new DtlsError("ERR_DTLS_TOO_LARGE", `handshake message of ${length} bytes`);
    if (fragmentOffset + fragmentLength > length)
      throw new DtlsError("ERR_DTLS_MALFORMED", "handshake fragment overruns its message", { alert: 50 });
    if (o + HANDSHAKE_HEADER_LENGTH + fragmentLength > d.length)
      throw new DtlsError("ERR_DTLS_TRUNCATED", "handshake fragment overruns its record");
    const end = o + HANDSHAKE_HEADER_LENGTH + fragmentLength;
    out.push({
      type,
      length,
      messageSeq,
      fragmentOffset,
      body: d.subarray(o + HANDSHAKE_HEADER_LENGTH, end),
      whole: fragmentOffset === 0 && fragmentLength === length ? d.subarray(o, end) : undefined,
    });
    o += HANDSHAKE_HEADER_LENGTH + fragmentLength;
  }
  return out;
}

/** Encodes one fragment of a message body: `body[offset, offset+length)`. */
export function encodeHandshakeFragment(
  type: number,
  messageSeq: number,
  body: Uint8Array,
  offset = 0,
  length = body.length,
): Uint8Array {
  const out = new Uint8Array(HANDSHAKE_HEADER_LENGTH + length);
  const total = body.length;
  out[0] = type;
  out[1] = total >>> 16;
  out[2] = (total >>> 8) & 0xff;
  out[3] = total & 0xff;
  out[4] = messageSeq >>> 8;
  out[5] = messageSeq & 0xff;
  out[6] = offset >>> 16;
  out[7] = (offset >>> 8) & 0xff;
  out[8] = offset & 0xff;
  out[9] = length >>> 16;
  out[10] = (length >>> 8) & 0xff;
  out[11] = length & 0xff;
  out.set(body.subarray(offset, offset + length), HANDSHAKE_HEADER_LENGTH);
  return out;
}

/** A complete handshake message as hashed into the transcript (offset 0, full length). */
export function encodeHandshakeMessage(type: number, messageSeq: number, body: Uint8Array): Uint8Array {
  return encodeHandshakeFragment(type, messageSeq, body);
}
