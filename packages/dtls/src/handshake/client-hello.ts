import { Reader, u16List, Writer } from "../bytes.js";
import { DtlsError } from "../errors.js";
import {
  encodeExtensions,
  type HelloExtensions,
  parseExtensions,
  type RawExtension,
} from "../extensions/index.js";

/** ClientHello (RFC 6347 §4.2.1: the TLS 1.2 hello with a cookie). */
export interface ClientHello {
  version: number;
  random: Uint8Array;
  sessionId: Uint8Array;
  cookie: Uint8Array;
  cipherSuites: number[];
  compressionMethods: number[];
  extensions: HelloExtensions;
}

/** Parses a ClientHello body. */
export function parseClientHello(body: Uint8Array): ClientHello {
  const r = new Reader(body, "ClientHello");
  const version = r.u16();
  const random = r.bytes(32);
  const sessionId = r.vec8(0, 32);
  const cookie = r.vec8(0, 255);
  const cipherSuites = u16List(r.vec16(2, 0xfffe), "cipher_suites");
  const compressionMethods = [...r.vec8(1)];
  const extensions = r.remaining > 0 ? parseExtensions(r.vec16()) : { raw: [] };
  r.end();
  return { version, random, sessionId, cookie, cipherSuites, compressionMethods, extensions };
}

/**
 * The bytes before the cookie (version, random, session_id) of a ClientHello
 * body or of its first fragment, which the cookie is bound to; and the
 * cookie. Throws when the first fragment is too short to hold them.
 */
export function clientHelloCookieFields(firstFragment: Uint8Array): {
  prefix: Uint8Array;
  cookie: Uint8Array;
} {
  const r = new Reader(firstFragment, "ClientHello");
  r.bytes(34);
  r.vec8(0, 32);
  const end = r.position;
  const cookie = r.vec8(0, 255);
  return { prefix: firstFragment.subarray(0, end), cookie };
}

/** Encodes a ClientHello body. */
export function encodeClientHello(
  h: Omit<ClientHello, "extensions"> & { extensions: readonly RawExtension[] },
): Uint8Array {
  if (h.random.length !== 32) throw new DtlsError("ERR_DTLS_MALFORMED", "random must be 32 bytes");
  return new Writer(256)
    .u16(h.version)
    .bytes(h.random)
    .vec8(h.sessionId)
    .vec8(h.cookie)
    .u16List16(h.cipherSuites)
    .vec8(Uint8Array.from(h.compressionMethods))
    .bytes(encodeExtensions(h.extensions))
    .finish();
}
