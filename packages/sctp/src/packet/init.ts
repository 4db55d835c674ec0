/** INIT and INIT-ACK chunks (RFC 9260 §3.3.2, §3.3.3) with the parameters WebRTC uses. */
import { SctpError } from "../errors.js";
import { put16, put32, u16, u32 } from "./bytes.js";
import { ChunkType, ParamType } from "./constants.js";
import { parametersLength, type RawParameter, readParameters, writeParameter } from "./parameters.js";

/** INIT or INIT-ACK. */
export interface InitChunk {
  type: typeof ChunkType.Init | typeof ChunkType.InitAck;
  initiateTag: number;
  /** Advertised receiver window credit. */
  aRwnd: number;
  outboundStreams: number;
  inboundStreams: number;
  initialTsn: number;
  /** State Cookie (INIT-ACK only, mandatory there). */
  stateCookie?: Uint8Array;
  /** Supported Extensions parameter (RFC 5061 §4.2.7): chunk types. */
  supportedExtensions?: number[];
  /** Forward-TSN-Supported parameter (RFC 3758 §3.1). */
  forwardTsnSupported: boolean;
  /** Zero Checksum Acceptable (RFC 9653): the error detection method id. */
  zeroChecksumEdmid?: number;
  /**
   * Parameters we do not know whose type's upper bits ask to report them
   * (RFC 9260 §3.2.1), as whole TLVs (unpadded), to put in an INIT-ACK's
   * Unrecognized Parameter or an ERROR.
   */
  unrecognized: Uint8Array[];
}

const INIT_FIXED = 20;

// Parameters RFC 9260 defines that WebRTC does not use (addresses, cookie
// preservative, host name, supported address types, ECN, adaptation layer):
// known, so skipped quietly instead of by their upper bits.
const IGNORED = new Set([5, 6, 9, 11, 12, 0x8000, 0xc006, 0x8002, 0x8003, 0x8004]);

export function decodeInit(b: Uint8Array, o: number, len: number, type: number): InitChunk {
  if (len < INIT_FIXED)
    throw new SctpError("ERR_BAD_LENGTH", "INIT/INIT-ACK shorter than 20 bytes (RFC 9260 §3.3.2)");
  const chunk: InitChunk = {
    type: type as InitChunk["type"],
    initiateTag: u32(b, o + 4),
    aRwnd: u32(b, o + 8),
    outboundStreams: u16(b, o + 12),
    inboundStreams: u16(b, o + 14),
    initialTsn: u32(b, o + 16),
    forwardTsnSupported: false,
    unrecognized: [],
  };
  for (const p of readParameters(b, o + INIT_FIXED, o + len)) {
    switch (p.type) {
      case ParamType.StateCookie:
        chunk.stateCookie = p.value;
        break;
      case ParamType.SupportedExtensions:
        chunk.supportedExtensions = Array.from(p.value);
        break;
      case ParamType.ForwardTsnSupported:
        chunk.forwardTsnSupported = true;
        break;
      case ParamType.ZeroChecksumAcceptable:
        if (p.value.length !== 4)
          throw new SctpError("ERR_BAD_PARAMETER", "Zero Checksum Acceptable is not 8 bytes (RFC 9653 §5.1)");
        chunk.zeroChecksumEdmid = u32(p.value, 0);
        break;
      case ParamType.UnrecognizedParameter:
        // In an INIT-ACK: what the peer did not understand of our INIT.
        if (type === ChunkType.InitAck) chunk.unrecognized.push(p.value);
        break;
      default: {
        if (IGNORED.has(p.type)) break;
        // Upper two bits (RFC 9260 §3.2.1): 01/11 report; 00/01 stop here.
        if (p.type & 0x4000) {
          const start = p.value.byteOffset - b.byteOffset - 4;
          chunk.unrecognized.push(b.subarray(start, start + 4 + p.value.length));
        }
        if ((p.type & 0x8000) === 0) return chunk;
      }
    }
  }
  return chunk;
}

function initParameters(c: InitChunk): RawParameter[] {
  const out: RawParameter[] = [];
  if (c.stateCookie) out.push({ type: ParamType.StateCookie, value: c.stateCookie });
  if (c.supportedExtensions)
    out.push({ type: ParamType.SupportedExtensions, value: Uint8Array.from(c.supportedExtensions) });
  if (c.forwardTsnSupported) out.push({ type: ParamType.ForwardTsnSupported, value: EMPTY });
  if (c.zeroChecksumEdmid !== undefined) {
    const v = new Uint8Array(4);
    put32(v, 0, c.zeroChecksumEdmid);
    out.push({ type: ParamType.ZeroChecksumAcceptable, value: v });
  }
  for (const u of c.unrecognized) out.push({ type: ParamType.UnrecognizedParameter, value: u });
  return out;
}

/** The chunk's length field: the last parameter's padding is not counted (RFC 9260 §3.2). */
export function initLength(c: InitChunk): number {
  return INIT_FIXED + parametersLength(initParameters(c));
}

export function writeInit(c: InitChunk, b: Uint8Array, o: number): void {
  const params = initParameters(c);
  b[o] = c.type;
  b[o + 1] = 0;
  put16(b, o + 2, INIT_FIXED + parametersLength(params));
  put32(b, o + 4, c.initiateTag);
  put32(b, o + 8, c.aRwnd);
  put16(b, o + 12, c.outboundStreams);
  put16(b, o + 14, c.inboundStreams);
  put32(b, o + 16, c.initialTsn);
  let p = o + INIT_FIXED;
  for (const param of params) p = writeParameter(b, p, param.type, param.value);
}

const EMPTY = new Uint8Array(0);
