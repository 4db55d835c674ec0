import { RtspError } from "./errors.js";

/**
 * The headers of one RTSP message, in order, names compared
 * case-insensitively (RFC 2326 §4.2). Repeated headers (WWW-Authenticate)
 * keep every value.
 */
export class RtspHeaders {
  private readonly list: Array<[name: string, value: string]> = [];

  /** Appends a header (the name keeps its case for printing). */
  add(name: string, value: string): void {
    this.list.push([name, value]);
  }

  /** The first value of `name`, or undefined. */
  get(name: string): string | undefined {
    const lower = name.toLowerCase();
    for (const [n, v] of this.list) if (n.toLowerCase() === lower) return v;
    return undefined;
  }

  /** Every value of `name`, in order. */
  getAll(name: string): string[] {
    const lower = name.toLowerCase();
    return this.list.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
  }

  /** Every header, in order. */
  entries(): ReadonlyArray<readonly [string, string]> {
    return this.list;
  }
}

/** A response from the camera (RFC 2326 §7). */
export interface RtspResponse {
  readonly kind: "response";
  /** `1.0` or `2.0`. */
  readonly version: string;
  readonly status: number;
  readonly reason: string;
  readonly headers: RtspHeaders;
  readonly body: Uint8Array;
}

/** A request from the camera (RTSP lets a server send e.g. ANNOUNCE or SET_PARAMETER, RFC 2326 §10). */
export interface RtspServerRequest {
  readonly kind: "request";
  readonly method: string;
  readonly uri: string;
  readonly version: string;
  readonly headers: RtspHeaders;
  readonly body: Uint8Array;
}

/** A `$`-framed packet on the RTSP connection (RFC 2326 §10.12). */
export interface InterleavedFrame {
  readonly kind: "frame";
  readonly channel: number;
  /** A copy: the receiver may keep it. */
  readonly payload: Uint8Array;
}

/** What {@link RtspReader} takes out of the byte stream. */
export type RtspReaderItem = RtspResponse | RtspServerRequest | InterleavedFrame;

/** Bounds of {@link RtspReader}: what a camera may make the client hold. */
export interface RtspReaderLimits {
  /** Start line plus headers, in bytes. Default 16 KiB. */
  maxHeaderBytes?: number;
  /** Header lines. Default 100. */
  maxHeaderLines?: number;
  /** Content-Length. Default 64 KiB (an SDP is a few hundred bytes). */
  maxBodyBytes?: number;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const STATUS_LINE = /^RTSP\/(\d)\.(\d) (\d{3})(?: (.*))?$/;
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) RTSP\/(\d)\.(\d)$/;
const DOLLAR = 0x24;
const CR = 0x0d;
const LF = 0x0a;

/**
 * Splits the byte stream of an RTSP connection into responses, server
 * requests and interleaved frames, in order. Takes any bytes in any
 * chunking; what it holds is bounded by the limits (plus one 64 KiB
 * frame). Throws {@link RtspError} on malformed input, after which the
 * connection cannot be resynchronised and the reader keeps throwing.
 */
export class RtspReader {
  private buffer: Uint8Array = new Uint8Array(0);
  private failed: RtspError | undefined;
  private readonly maxHeaderBytes: number;
  private readonly maxHeaderLines: number;
  private readonly maxBodyBytes: number;

  constructor(
    private readonly onItem: (item: RtspReaderItem) => void,
    limits: RtspReaderLimits = {},
  ) {
    this.maxHeaderBytes = limits.maxHeaderBytes ?? 16 * 1024;
    this.maxHeaderLines = limits.maxHeaderLines ?? 100;
    this.maxBodyBytes = limits.maxBodyBytes ?? 64 * 1024;
  }

  /** Bytes held, waiting for the rest of a message or frame. */
  get buffered(): number {
    return this.buffer.length;
  }

  /**
   * Feeds bytes; calls `onItem` for each complete item.
   * @throws RtspError on malformed or oversized input (and on every call after that)
   */
  push(chunk: Uint8Array): void {
    if (this.failed) throw this.failed;
    let data: Uint8Array;
    if (this.buffer.length === 0) data = chunk;
    else {
      data = new Uint8Array(this.buffer.length + chunk.length);
      data.set(this.buffer, 0);
      data.set(chunk, this.buffer.length);
    }
    let offset = 0;
    try {
      // Each turn consumes at least one byte or breaks: bounded by data.length.
      while (offset < data.length) {
        const used = this.next(data, offset);
        if (used === 0) break;
        offset += used;
      }
    } catch (error) {
      this.buffer = new Uint8Array(0);
      this.failed = error as RtspError;
      throw error;
    }
    // Keep a copy of the tail only: the caller may reuse its chunk.
    this.buffer = offset === data.length ? new Uint8Array(0) : copy(data, offset, data.length);
  }

  /** Parses one item at `offset`; returns the bytes used, 0 when more are needed. */
  private next(data: Uint8Array, offset: number): number {
    const first = data[offset]!;
    if (first === DOLLAR) {
      if (data.length - offset < 4) return 0;
      const length = (data[offset + 2]! << 8) | data[offset + 3]!;
      if (data.length - offset < 4 + length) return 0;
      this.onItem({
        kind: "frame",
        channel: data[offset + 1]!,
        payload: copy(data, offset + 4, offset + 4 + length),
      });
      return 4 + length;
    }
    // Empty lines between messages are tolerated (RFC 2326 §4: CRLF keep-alives of some servers).
    if (first === CR || first === LF) return 1;
    if (!isTokenByte(first)) {
      throw new RtspError(
        "ERR_BAD_FRAME",
        `byte 0x${first.toString(16)} starts neither an RTSP message nor a $ frame (RFC 2326 §10.12)`,
      );
    }
    const end = findHeaderEnd(data, offset, this.maxHeaderBytes);
    if (end === undefined) {
      if (data.length - offset > this.maxHeaderBytes) {
        throw new RtspError("ERR_HEADER_TOO_LARGE", `RTSP header over ${this.maxHeaderBytes} bytes`);
      }
      return 0;
    }
    const head = latin1(data, offset, end.last);
    const headerLength = end.after - offset;
    const message = this.parseHead(head);
    const bodyStart = offset + headerLength;
    if (data.length < bodyStart + message.contentLength) return 0;
    const body = copy(data, bodyStart, bodyStart + message.contentLength);
    this.onItem({ ...message.start, headers: message.headers, body } as RtspReaderItem);
    return headerLength + message.contentLength;
  }

  private parseHead(head: string) {
    const lines = head.split(/\r?\n/);
    if (lines.length > this.maxHeaderLines + 1) {
      throw new RtspError("ERR_HEADER_TOO_LARGE", `more than ${this.maxHeaderLines} header lines`);
    }
    const startLine = lines[0]!;
    let start: Omit<RtspResponse, "headers" | "body"> | Omit<RtspServerRequest, "headers" | "body">;
    const status = STATUS_LINE.exec(startLine);
    if (status) {
      start = {
        kind: "response",
        version: `${status[1]}.${status[2]}`,
        status: Number(status[3]),
        reason: status[4] ?? "",
      };
    } else {
      const request = REQUEST_LINE.exec(startLine);
      if (!request) {
        throw new RtspError(
          "ERR_BAD_START_LINE",
          `not an RTSP status or request line: ${JSON.stringify(startLine.slice(0, 80))} (RFC 2326 §6.1, §7.1)`,
        );
      }
      start = {
        kind: "request",
        method: request[1]!,
        uri: request[2]!,
        version: `${request[3]}.${request[4]}`,
      };
    }
    const headers = new RtspHeaders();
    let pendingName: string | undefined;
    let pendingValue = "";
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.startsWith(" ") || line.startsWith("\t")) {
        // Obsolete line folding (RFC 2326 §4.2 via RFC 2616 §2.2).
        if (pendingName === undefined)
          throw new RtspError("ERR_BAD_HEADER", "continuation line before any header");
        pendingValue += ` ${line.trim()}`;
        continue;
      }
      if (pendingName !== undefined) headers.add(pendingName, pendingValue);
      const colon = line.indexOf(":");
      const name = colon > 0 ? line.slice(0, colon).trimEnd() : "";
      if (!TOKEN.test(name)) {
        throw new RtspError("ERR_BAD_HEADER", `bad header line: ${JSON.stringify(line.slice(0, 80))}`);
      }
      pendingName = name;
      pendingValue = line.slice(colon + 1).trim();
    }
    if (pendingName !== undefined) headers.add(pendingName, pendingValue);
    const lengths = headers.getAll("content-length");
    let contentLength = 0;
    if (lengths.length > 0) {
      if (!lengths.every((v) => v === lengths[0]) || !/^\d{1,10}$/.test(lengths[0]!)) {
        throw new RtspError(
          "ERR_BAD_CONTENT_LENGTH",
          `bad Content-Length: ${JSON.stringify(lengths.join(", "))}`,
        );
      }
      contentLength = Number(lengths[0]);
      if (contentLength > this.maxBodyBytes) {
        throw new RtspError("ERR_BODY_TOO_LARGE", `body of ${contentLength} bytes over ${this.maxBodyBytes}`);
      }
    }
    return { start, headers, contentLength };
  }
}

/** A fresh Uint8Array (Buffer's slice() would be a view of the caller's chunk). */
function copy(data: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(data.subarray(start, end));
}

function isTokenByte(b: number): boolean {
  return b > 0x20 && b < 0x7f && b !== DOLLAR;
}

/**
 * Finds the blank line ending the header (CRLFCRLF, or bare LFs), searching
 * at most `max` bytes; returns the LF ending the last header line and the
 * index just past the blank line, or undefined.
 */
function findHeaderEnd(
  data: Uint8Array,
  offset: number,
  max: number,
): { last: number; after: number } | undefined {
  const limit = Math.min(data.length, offset + max + 4);
  for (let i = offset; i < limit; i++) {
    if (data[i] !== LF) continue;
    if (data[i + 1] === LF) return { last: i, after: i + 2 };
    if (data[i + 1] === CR && data[i + 2] === LF) return { last: i, after: i + 3 };
  }
  return undefined;
}

function latin1(data: Uint8Array, start: number, end: number): string {
  let s = Buffer.from(data.buffer, data.byteOffset + start, end - start).toString("latin1");
  if (s.endsWith("\r")) s = s.slice(0, -1);
  return s;
}
