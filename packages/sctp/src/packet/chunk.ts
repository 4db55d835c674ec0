/** The chunk union and its dispatch by type (RFC 9260 §3.2). */
import { SctpError } from "../errors.js";
import { put16, u16 } from "./bytes.js";
import {
  type AbortChunk,
  causesChunkLength,
  decodeAbort,
  decodeError,
  type ErrorChunk,
  writeCausesChunk,
} from "./causes.js";
import { ChunkType } from "./constants.js";
import { type DataChunk, dataLength, decodeData, writeData } from "./data.js";
import { decodeForwardTsn, type ForwardTsnChunk, forwardTsnLength, writeForwardTsn } from "./forward-tsn.js";
import { decodeHeartbeat, type HeartbeatChunk, heartbeatLength, writeHeartbeat } from "./heartbeat.js";
import { decodeIData, type IDataChunk, iDataLength, writeIData } from "./i-data.js";
import {
  decodeIForwardTsn,
  type IForwardTsnChunk,
  iForwardTsnLength,
  writeIForwardTsn,
} from "./i-forward-tsn.js";
import { decodeInit, type InitChunk, initLength, writeInit } from "./init.js";
import { decodeReconfig, type ReconfigChunk, reconfigLength, writeReconfig } from "./reconfig.js";
import { decodeSack, type SackChunk, sackLength, writeSack } from "./sack.js";
import { decodeSimple, type SimpleChunk, simpleLength, writeSimple } from "./simple.js";

/**
 * A chunk of a type we do not know. Its type's upper two bits (RFC 9260
 * §3.2) say what to do: 00 stop processing the packet, 01 stop and report,
 * 10 skip, 11 skip and report (in an ERROR with Unrecognized Chunk Type).
 */
export interface UnknownChunk {
  type: "unknown";
  chunkType: number;
  flags: number;
  /** The whole chunk as received (header included, no padding). */
  raw: Uint8Array;
}

/** Any chunk. */
export type Chunk =
  | DataChunk
  | InitChunk
  | SackChunk
  | HeartbeatChunk
  | AbortChunk
  | ErrorChunk
  | SimpleChunk
  | ForwardTsnChunk
  | ReconfigChunk
  | IDataChunk
  | IForwardTsnChunk
  | UnknownChunk;

/** Decodes the chunk at `o` whose length field says `len` (already checked to lie within `b`). */
export function decodeChunk(b: Uint8Array, o: number, len: number): Chunk {
  const type = b[o]!;
  switch (type) {
    case ChunkType.Data:
      return decodeData(b, o, len);
    case ChunkType.Init:
    case ChunkType.InitAck:
      return decodeInit(b, o, len, type);
    case ChunkType.Sack:
      return decodeSack(b, o, len);
    case ChunkType.Heartbeat:
    case ChunkType.HeartbeatAck:
      return decodeHeartbeat(b, o, len, type);
    case ChunkType.Abort:
      return decodeAbort(b, o, len);
    case ChunkType.Error:
      return decodeError(b, o, len);
    case ChunkType.Shutdown:
    case ChunkType.ShutdownAck:
    case ChunkType.ShutdownComplete:
    case ChunkType.CookieEcho:
    case ChunkType.CookieAck:
      return decodeSimple(b, o, len, type);
    case ChunkType.ForwardTsn:
      return decodeForwardTsn(b, o, len);
    case ChunkType.ReConfig:
      return decodeReconfig(b, o, len);
    case ChunkType.IData:
      return decodeIData(b, o, len);
    case ChunkType.IForwardTsn:
      return decodeIForwardTsn(b, o, len);
    default:
      return { type: "unknown", chunkType: type, flags: b[o + 1]!, raw: b.subarray(o, o + len) };
  }
}

/** The chunk's length field (padding not counted). */
export function chunkLength(c: Chunk): number {
  switch (c.type) {
    case ChunkType.Data:
      return dataLength(c);
    case ChunkType.Init:
    case ChunkType.InitAck:
      return initLength(c);
    case ChunkType.Sack:
      return sackLength(c);
    case ChunkType.Heartbeat:
    case ChunkType.HeartbeatAck:
      return heartbeatLength(c);
    case ChunkType.Abort:
    case ChunkType.Error:
      return causesChunkLength(c);
    case ChunkType.ForwardTsn:
      return forwardTsnLength(c);
    case ChunkType.ReConfig:
      return reconfigLength(c);
    case ChunkType.IData:
      return iDataLength(c);
    case ChunkType.IForwardTsn:
      return iForwardTsnLength(c);
    case "unknown":
      return c.raw.length;
    default:
      return simpleLength(c);
  }
}

/** Writes the chunk at `o` (`b` has room for its padded length; padding bytes are left as they are). */
export function writeChunk(c: Chunk, b: Uint8Array, o: number): void {
  switch (c.type) {
    case ChunkType.Data:
      writeData(c, b, o);
      return;
    case ChunkType.Init:
    case ChunkType.InitAck:
      writeInit(c, b, o);
      return;
    case ChunkType.Sack:
      writeSack(c, b, o);
      return;
    case ChunkType.Heartbeat:
    case ChunkType.HeartbeatAck:
      writeHeartbeat(c, b, o);
      return;
    case ChunkType.Abort:
    case ChunkType.Error:
      writeCausesChunk(c, b, o);
      return;
    case ChunkType.ForwardTsn:
      writeForwardTsn(c, b, o);
      return;
    case ChunkType.ReConfig:
      writeReconfig(c, b, o);
      return;
    case ChunkType.IData:
      writeIData(c, b, o);
      return;
    case ChunkType.IForwardTsn:
      writeIForwardTsn(c, b, o);
      return;
    case "unknown":
      if (c.raw.length < 4 || u16(c.raw, 2) !== c.raw.length)
        throw new SctpError(
          "ERR_INVALID_ARGUMENT",
          "unknown chunk's raw bytes do not carry their own length",
        );
      b.set(c.raw, o);
      put16(b, o + 2, c.raw.length);
      return;
    default:
      writeSimple(c, b, o);
      return;
  }
}
