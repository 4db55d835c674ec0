/** The SCTP packet codec: packets, chunks, parameters, CRC32c. */
export * from "./causes.js";
export type { Chunk, UnknownChunk } from "./chunk.js";
export { CauseCode, ChunkType, EDMID_DTLS, ParamType, ReconfigResult } from "./constants.js";
export { crc32c, sctpChecksum } from "./crc32c.js";
export * from "./data.js";
export * from "./forward-tsn.js";
export * from "./heartbeat.js";
export * from "./i-data.js";
export * from "./i-forward-tsn.js";
export * from "./init.js";
export * from "./packet.js";
export * from "./reconfig.js";
export * from "./sack.js";
export * from "./simple.js";
