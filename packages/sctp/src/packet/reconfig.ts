/** RE-CONFIG chunk and its parameters (RFC 6525 §3.1, §4). */
import { SctpError } from "../errors.js";
import { put16, put32, u16, u32 } from "./bytes.js";
import { ChunkType, ParamType } from "./constants.js";
import { parametersLength, type RawParameter, readParameters, writeParameter } from "./parameters.js";

/** Outgoing SSN Reset Request (RFC 6525 §4.1): the sender resets these outgoing streams (all if empty). */
export interface OutgoingSsnResetRequest {
  type: typeof ParamType.OutgoingSsnReset;
  requestSeq: number;
  responseSeq: number;
  senderLastTsn: number;
  streamIds: number[];
}

/** Incoming SSN Reset Request (RFC 6525 §4.2): asks the receiver to reset its outgoing streams. */
export interface IncomingSsnResetRequest {
  type: typeof ParamType.IncomingSsnReset;
  requestSeq: number;
  streamIds: number[];
}

/** SSN/TSN Reset Request (RFC 6525 §4.3). */
export interface SsnTsnResetRequest {
  type: typeof ParamType.SsnTsnReset;
  requestSeq: number;
}

/** Re-configuration Response (RFC 6525 §4.4). */
export interface ReconfigResponse {
  type: typeof ParamType.ReconfigResponse;
  responseSeq: number;
  result: number;
  senderNextTsn?: number;
  receiverNextTsn?: number;
}

/** Add Outgoing / Incoming Streams Request (RFC 6525 §4.5, §4.6). */
export interface AddStreamsRequest {
  type: typeof ParamType.AddOutgoingStreams | typeof ParamType.AddIncomingStreams;
  requestSeq: number;
  newStreams: number;
}

export type ReconfigParameter =
  | OutgoingSsnResetRequest
  | IncomingSsnResetRequest
  | SsnTsnResetRequest
  | ReconfigResponse
  | AddStreamsRequest;

export interface ReconfigChunk {
  type: typeof ChunkType.ReConfig;
  /** One or two requests/responses (RFC 6525 §3.1); parameters we do not know are dropped. */
  params: ReconfigParameter[];
}

function bad(what: string): SctpError {
  return new SctpError("ERR_BAD_PARAMETER", `${what} has a bad length (RFC 6525 §4)`);
}

function streamList(v: Uint8Array, from: number): number[] {
  if ((v.length - from) % 2 !== 0) throw bad("SSN reset stream list");
  const out: number[] = new Array((v.length - from) / 2);
  for (let i = 0; i < out.length; i++) out[i] = u16(v, from + 2 * i);
  return out;
}

function decodeParam(p: RawParameter): ReconfigParameter | undefined {
  const v = p.value;
  switch (p.type) {
    case ParamType.OutgoingSsnReset:
      if (v.length < 12) throw bad("Outgoing SSN Reset Request");
      return {
        type: p.type,
        requestSeq: u32(v, 0),
        responseSeq: u32(v, 4),
        senderLastTsn: u32(v, 8),
        streamIds: streamList(v, 12),
      };
    case ParamType.IncomingSsnReset:
      if (v.length < 4) throw bad("Incoming SSN Reset Request");
      return { type: p.type, requestSeq: u32(v, 0), streamIds: streamList(v, 4) };
    case ParamType.SsnTsnReset:
      if (v.length !== 4) throw bad("SSN/TSN Reset Request");
      return { type: p.type, requestSeq: u32(v, 0) };
    case ParamType.ReconfigResponse:
      if (v.length !== 8 && v.length !== 16) throw bad("Re-configuration Response");
      return v.length === 16
        ? {
            type: p.type,
            responseSeq: u32(v, 0),
            result: u32(v, 4),
            senderNextTsn: u32(v, 8),
            receiverNextTsn: u32(v, 12),
          }
        : { type: p.type, responseSeq: u32(v, 0), result: u32(v, 4) };
    case ParamType.AddOutgoingStreams:
    case ParamType.AddIncomingStreams:
      if (v.length !== 8) throw bad("Add Streams Request");
      return { type: p.type, requestSeq: u32(v, 0), newStreams: u16(v, 4) };
    default:
      return undefined;
  }
}

export function decodeReconfig(b: Uint8Array, o: number, len: number): ReconfigChunk {
  const params: ReconfigParameter[] = [];
  for (const raw of readParameters(b, o + 4, o + len)) {
    const p = decodeParam(raw);
    if (p) params.push(p);
  }
  return { type: ChunkType.ReConfig, params };
}

function encodeParam(p: ReconfigParameter): RawParameter {
  let v: Uint8Array;
  switch (p.type) {
    case ParamType.OutgoingSsnReset:
      v = new Uint8Array(12 + 2 * p.streamIds.length);
      put32(v, 0, p.requestSeq);
      put32(v, 4, p.responseSeq);
      put32(v, 8, p.senderLastTsn);
      for (let i = 0; i < p.streamIds.length; i++) put16(v, 12 + 2 * i, p.streamIds[i]!);
      break;
    case ParamType.IncomingSsnReset:
      v = new Uint8Array(4 + 2 * p.streamIds.length);
      put32(v, 0, p.requestSeq);
      for (let i = 0; i < p.streamIds.length; i++) put16(v, 4 + 2 * i, p.streamIds[i]!);
      break;
    case ParamType.SsnTsnReset:
      v = new Uint8Array(4);
      put32(v, 0, p.requestSeq);
      break;
    case ParamType.ReconfigResponse:
      v = new Uint8Array(p.senderNextTsn !== undefined ? 16 : 8);
      put32(v, 0, p.responseSeq);
      put32(v, 4, p.result);
      if (p.senderNextTsn !== undefined) {
        put32(v, 8, p.senderNextTsn);
        put32(v, 12, p.receiverNextTsn ?? 0);
      }
      break;
    default:
      v = new Uint8Array(8);
      put32(v, 0, p.requestSeq);
      put16(v, 4, p.newStreams);
  }
  return { type: p.type, value: v };
}

export function reconfigLength(c: ReconfigChunk): number {
  return 4 + parametersLength(c.params.map(encodeParam));
}

export function writeReconfig(c: ReconfigChunk, b: Uint8Array, o: number): void {
  const raws = c.params.map(encodeParam);
  b[o] = ChunkType.ReConfig;
  b[o + 1] = 0;
  put16(b, o + 2, 4 + parametersLength(raws));
  let p = o + 4;
  for (const r of raws) p = writeParameter(b, p, r.type, r.value);
}
