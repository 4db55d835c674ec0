import { Reader, Writer } from "../bytes.js";

/** HelloVerifyRequest (RFC 6347 §4.2.1). */
export interface HelloVerifyRequest {
  version: number;
  cookie: Uint8Array;
}

/** Parses a HelloVerifyRequest body. */
export function parseHelloVerifyRequest(body: Uint8Array): HelloVerifyRequest {
  const r = new Reader(body, "HelloVerifyRequest");
  const version = r.u16();
  const cookie = r.vec8(0, 255);
  r.end();
  return { version, cookie };
}

/** Encodes a HelloVerifyRequest body. */
export function encodeHelloVerifyRequest(h: HelloVerifyRequest): Uint8Array {
  return new Writer(4 + h.cookie.length).u16(h.version).vec8(h.cookie).finish();
}
