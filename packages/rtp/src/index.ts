/**
 * @purertc/rtp: RTP and RTCP packets (RFC 3550, RFC 8285 header extensions, RFC 4585 / 5104 feedback, RFC 5506
 * reduced-size RTCP), the H.264 (RFC 6184), VP8 (RFC 7741), Opus (RFC 7587) and G.711 (RFC 3551) payload formats, and the
 * receive/send machinery: reorder buffer, NACK generator, retransmission history, RTCP reports. It knows no
 * transport: it turns bytes into values and back.
 * @packageDocumentation
 */
export type { DepacketizerStats, MediaFrame } from "./codecs/frame.js";
export { G711Depacketizer, G711Payloader } from "./codecs/g711.js";
export {
  H264Depacketizer,
  type H264DepacketizerOptions,
  type H264Frame,
} from "./codecs/h264-depacketizer.js";
export {
  H264NalType,
  h264NalType,
  joinAnnexB,
  splitAnnexB,
  splitH264AccessUnits,
} from "./codecs/h264-nal.js";
export { H264Payloader, type H264PayloaderOptions } from "./codecs/h264-packetizer.js";
export {
  type H264Profile,
  type H264ProfileLevel,
  isSameH264Codec,
  parseH264ProfileLevelId,
} from "./codecs/h264-profile.js";
export {
  formatSpropParameterSets,
  type H264Fmtp,
  type H264Sps,
  parseH264Fmtp,
  parseH264Sps,
  parseSpropParameterSets,
} from "./codecs/h264-sps.js";
export { type IvfFrame, type IvfHeader, ivfFileHeader, ivfFrame, parseIvf } from "./codecs/ivf.js";
export { OggOpusWriter, type OggOpusWriterOptions, type OggPacket, parseOgg } from "./codecs/ogg.js";
export { OpusDepacketizer, OpusPayloader, opusPacketSamples } from "./codecs/opus.js";
export type { Payloader } from "./codecs/payloader.js";
export {
  Vp8Depacketizer,
  type Vp8DepacketizerOptions,
  type Vp8Frame,
  Vp8Payloader,
  type Vp8PayloaderOptions,
} from "./codecs/vp8.js";
export {
  parseVp8Descriptor,
  parseVp8FrameHeader,
  type Vp8Descriptor,
  type Vp8FrameHeader,
} from "./codecs/vp8-descriptor.js";
export { WholePacketDepacketizer } from "./codecs/whole-packet.js";
export { RtpError, type RtpErrorCode } from "./errors.js";
export {
  buildHeaderExtension,
  findHeaderExtension,
  type HeaderExtensionElement,
  isRfc8285Extension,
  ONE_BYTE_PROFILE,
  parseHeaderExtensions,
  TWO_BYTE_PROFILE,
} from "./header-extensions.js";
export { NackGenerator, type NackGeneratorOptions, type NackStats } from "./nack.js";
export { ntpMiddle32, ntpTimeFromUnixMs } from "./ntp.js";
export {
  isRtcpPacket,
  isRtpPacket,
  parseRtpPacket,
  RTP_HEADER_SIZE,
  type RtpHeaderExtension,
  type RtpHeaderRewrite,
  type RtpPacket,
  type RtpPacketInit,
  rewriteRtpHeader,
  rtpPacketLength,
  serializeRtpPacket,
} from "./packet.js";
export { RtpPacketizer, type RtpPacketizerOptions } from "./packetizer.js";
export {
  type Depacketizer,
  type ReceiveStreamStats,
  RtpReceiveStream,
  type RtpReceiveStreamOptions,
} from "./receive-stream.js";
export { ReceptionStats } from "./receiver-stats.js";
export { ReorderBuffer, type ReorderBufferOptions, type ReorderStats } from "./reorder-buffer.js";
export { RetransmissionHistory, type RetransmissionHistoryOptions } from "./retransmission-history.js";
export {
  type FirEntry,
  type FullIntraRequest,
  type GenericNack,
  type Goodbye,
  type PictureLossIndication,
  parseRtcp,
  type ReceiverReport,
  type ReportBlock,
  type RtcpPacket,
  RtcpPacketType,
  type SdesChunk,
  type SdesItem,
  SdesItemType,
  type SenderReport,
  type SourceDescription,
  serializeRtcp,
  type UnknownRtcpPacket,
} from "./rtcp/index.js";
export { RtcpScheduler, type RtcpSchedulerOptions } from "./rtcp-scheduler.js";
export { type RtxStream, unwrapRtx, wrapRtx } from "./rtx.js";
export { RtpSendStream, type RtpSendStreamOptions, type SendStreamStats } from "./send-stream.js";
export { sequenceDelta } from "./sequence.js";
