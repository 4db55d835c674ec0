/**
 * @purertc/peerconnection: an API shaped like the W3C RTCPeerConnection over
 * purertc's ICE and DTLS, and the SDP (RFC 8866) parser and serializer it
 * exchanges descriptions with.
 * @packageDocumentation
 */
export type {
  BundlePolicy,
  ConsentFreshness,
  IceServer,
  IceTransportPolicy,
  PeerConnectionConfiguration,
} from "./configuration.js";
export {
  DataChannel,
  DataChannelEvent,
  type DataChannelHost,
  type DataChannelInit,
  type DataChannelState,
  MAX_QUEUED_BYTES,
} from "./datachannel/data-channel.js";
export {
  ChannelType,
  type DcepMessage,
  type DcepOpen,
  encodeDcepAck,
  encodeDcepOpen,
  Ppid,
  type PriorityType,
  parseDcep,
} from "./datachannel/dcep.js";
export {
  DataChannelError,
  type DataChannelErrorDetail,
  DataChannelErrorEvent,
  type DataChannelEventMap,
} from "./datachannel/events.js";
export {
  type DtlsTransportInfo,
  LOCAL_MAX_MESSAGE_SIZE,
  SctpTransport,
  type SctpTransportState,
} from "./datachannel/sctp-transport.js";
export { matchesFingerprint, type PeerCertificate } from "./dtls-session.js";
export { PeerConnectionError, type PeerConnectionErrorCode, SdpError, type SdpErrorCode } from "./errors.js";
export {
  ConnectionStateChangeEvent,
  DatagramEvent,
  type IceCandidateInit,
  type PeerConnectionEventMap,
  PeerConnectionIceEvent,
  type SessionDescription,
  type SessionDescriptionInit,
} from "./events.js";
export {
  type CodecParameters,
  defaultCodecs,
  type MimeType,
} from "./media/codecs.js";
export { type H264Profile, type H264ProfileLevel, parseProfileLevelId } from "./media/h264-profile.js";
export {
  type EncodedFrame,
  FrameEvent,
  type RemoteTrack,
  RtpPacketEvent,
  RtpReceiver,
  type RtpReceiverEventMap,
} from "./media/receiver.js";
export {
  parseRtpMedia,
  type RtpCodec,
  type RtpDirection,
  type RtpMediaDescription,
  rtpMediaLines,
} from "./media/sdp-media.js";
export {
  KeyframeRequestEvent,
  RtpSender,
  type RtpSenderEventMap,
  type SendParameters,
} from "./media/sender.js";
export { TrackEvent } from "./media/track-event.js";
export { codecCapabilities, RtpTransceiver, type TransceiverInit } from "./media/transceiver.js";
export { PeerConnection } from "./peer-connection.js";
export * from "./sdp/index.js";
export {
  connectionStateOf,
  type DtlsTransportState,
  type IceConnectionState,
  type IceGatheringState,
  type IceTransportState,
  iceConnectionStateOf,
  nextSignalingState,
  type PeerConnectionState,
  type SdpType,
  type SignalingState,
} from "./states.js";
export type { Stats, StatsReport } from "./stats.js";
