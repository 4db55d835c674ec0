// The RTCP packet types, one file each; this file only gathers them for the package's index.
export type { Goodbye } from "./bye.js";
export { parseRtcp, type RtcpPacket, serializeRtcp, type UnknownRtcpPacket } from "./compound.js";
export type { FirEntry, FullIntraRequest } from "./fir.js";
export { RtcpPacketType } from "./header.js";
export type { GenericNack } from "./nack.js";
export type { PictureLossIndication } from "./pli.js";
export type { ReceiverReport } from "./receiver-report.js";
export type { ReportBlock } from "./report-block.js";
export { type SdesChunk, type SdesItem, SdesItemType, type SourceDescription } from "./sdes.js";
export type { SenderReport } from "./sender-report.js";
