/** HEARTBEAT and HEARTBEAT-ACK chunks (RFC 9260 §3.3.5, §3.3.6). */
import { SctpError } from "../errors.js";
import { put16 } from "./bytes.js";
import { type ChunkType, ParamType } from "./constants.js";
import { readParameters, writeParameter } from "./parameters.js";

export interface HeartbeatChunk {
  type: typeof ChunkType.Heartbeat | typeof ChunkType.HeartbeatAck;
  /** The opaque Heartbeat Information the sender put in, echoed back in the ACK. */
  info: Uint8Array;
}

export function decodeHeartbeat(b: Uint8Array, o: number, len: number, type: number): HeartbeatChunk {
  const params = readParameters(b, o + 4, o + len);
  const info = params.find((p) => p.type === ParamType.HeartbeatInfo);
  if (!info)
    throw new SctpError("ERR_BAD_CHUNK", "HEARTBEAT without Heartbeat Information (RFC 9260 §3.3.5)");
  return { type: type as HeartbeatChunk["type"], info: info.value };
}

/** The chunk's length field: the parameter's padding is not counted (RFC 9260 §3.2). */
export function heartbeatLength(c: HeartbeatChunk): number {
  return 8 + c.info.length;
}

export function writeHeartbeat(c: HeartbeatChunk, b: Uint8Array, o: number): void {
  b[o] = c.type;
  b[o + 1] = 0;
  put16(b, o + 2, heartbeatLength(c));
  writeParameter(b, o + 4, ParamType.HeartbeatInfo, c.info);
}
