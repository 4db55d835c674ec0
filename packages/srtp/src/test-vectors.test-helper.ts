import { readFileSync } from "node:fs";

const dir = new URL("../../../test-vectors/srtp/", import.meta.url);

/** Reads one JSON vector file of test-vectors/srtp/. */
export function vector<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, dir), "utf8")) as T;
}

/** Hex to bytes. */
export function hex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));
}

/** Bytes to lowercase hex. */
export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

/** The `code` of the SrtpError `fn` throws (fails the test if it returns or throws anything else). */
export function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error && error.name === "SrtpError") return (error as Error & { code: string }).code;
    throw error;
  }
  throw new Error("expected an SrtpError, got a result");
}

/** An RTP packet: version 2, `csrcs` CSRCs, an optional one-byte-form extension of `extWords` words. */
export function rtpPacket(options: {
  seq: number;
  ssrc: number;
  payload: Uint8Array;
  csrcs?: number;
  extWords?: number;
  pt?: number;
  timestamp?: number;
}): Uint8Array {
  const csrcs = options.csrcs ?? 0;
  const ext = options.extWords;
  const header = 12 + csrcs * 4 + (ext === undefined ? 0 : 4 + ext * 4);
  const p = new Uint8Array(header + options.payload.length);
  const dv = new DataView(p.buffer);
  p[0] = 0x80 | (ext === undefined ? 0 : 0x10) | csrcs;
  p[1] = options.pt ?? 96;
  dv.setUint16(2, options.seq & 0xffff);
  dv.setUint32(4, options.timestamp ?? options.seq * 3000);
  dv.setUint32(8, options.ssrc >>> 0);
  for (let i = 0; i < csrcs; i++) dv.setUint32(12 + i * 4, 0x1000 + i);
  if (ext !== undefined) {
    const at = 12 + csrcs * 4;
    dv.setUint16(at, 0xbede);
    dv.setUint16(at + 2, ext);
    for (let i = 0; i < ext * 4; i++) p[at + 4 + i] = i + 1;
  }
  p.set(options.payload, header);
  return p;
}

/** A compound-looking RTCP packet (a receiver report of `ssrc` followed by `body`). */
export function rtcpPacket(ssrc: number, body: Uint8Array): Uint8Array {
  const p = new Uint8Array(8 + body.length);
  const dv = new DataView(p.buffer);
  p[0] = 0x80;
  p[1] = 201;
  dv.setUint16(2, ((8 + body.length + 3) >>> 2) - 1);
  dv.setUint32(4, ssrc >>> 0);
  p.set(body, 8);
  return p;
}
