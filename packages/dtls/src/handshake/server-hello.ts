import { Reader, Writer } from "../bytes.js";
import {
  encodeExtensions,
  type HelloExtensions,
  parseExtensions,
  type RawExtension,
} from "../extensions/index.js";

/** ServerHello (RFC 5246 §7.4.1.3). */
export interface ServerHello {
  version: number;
  random: Uint8Array;
  sessionId: Uint8Array;
  cipherSuite: number;
  compressionMethod: number;
  extensions: HelloExtensions;
}

/** Parses a ServerHello body. */
export function parseServerHello(body: Uint8Array): ServerHello {
  const r = new Reader(body, "ServerHello");
  const version = r.u16();
  const random = r.bytes(32);
  const sessionId = r.vec8(0, 32);
  const cipherSuite = r.u16();
  const compressionMethod = r.u8();
  const extensions = r.remaining > 0 ? parseExtensions(r.vec16()) : { raw: [] };
  r.end();
  return { version, random, sessionId, cipherSuite, compressionMethod, extensions };
}

/** Encodes a ServerHello body. */
export function encodeServerHello(
  h: Omit<ServerHello, "extensions"> & { extensions: readonly RawExtension[] },
): Uint8Array {
  return new Writer(128)
    .u16(h.version)
    .bytes(h.random)
    .vec8(h.sessionId)
    .u16(h.cipherSuite)
    .u8(h.compressionMethod)
    .bytes(encodeExtensions(h.extensions))
    .finish();
}
