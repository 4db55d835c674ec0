/**
 * @purertc/rtsp-to-whep: the RTSP side of an RTSP-to-WHEP proxy. An RTSP
 * client for IP cameras (RFC 2326, RFC 7826 where it differs) that hands
 * out the stream description and raw RTP/RTCP packets, reconnecting with
 * backoff when the camera goes away; H.264 access units from it (with
 * @purertc/rtp's depacketizer); and its wire parsers.
 * @packageDocumentation
 */
export {
  type AudioPacketSink,
  AudioRelay,
  type CameraAudio,
  type CameraAudioCodec,
  cameraAudio,
} from "./audio.js";
export { type AuthChallenge, Authenticator, parseChallenges } from "./auth.js";
export {
  RtspClient,
  type RtspClientEvents,
  type RtspClientOptions,
  type RtspClientState,
} from "./client.js";
export { RtspError, type RtspErrorCode } from "./errors.js";
export {
  type AccessUnitSink,
  FanOut,
  type FanOutOptions,
  FanOutViewer,
  type ViewerStats,
} from "./fanout.js";
export { type AccessUnit, H264Source, type H264SourceEvents, type SourceInfo } from "./h264-source.js";
export {
  type InterleavedFrame,
  RtspHeaders,
  RtspReader,
  type RtspReaderItem,
  type RtspReaderLimits,
  type RtspResponse,
  type RtspServerRequest,
} from "./message.js";
export {
  type ProxySourceInfo,
  type ProxyStats,
  RtspToWhepProxy,
  type RtspToWhepProxyEvents,
  type RtspToWhepProxyOptions,
} from "./proxy.js";
export { parseDescription, type RtspTrack, type StreamDescription } from "./sdp.js";
export type { RtspPacket } from "./session.js";
export {
  formatTransport,
  parseSession,
  parseTransport,
  type SessionHeader,
  type TransportReply,
  type TransportRequest,
} from "./transport.js";
export { parseRtspUrl, type RtspUrl, resolveControl } from "./url.js";
export {
  DEFAULT_PACING,
  PacedSender,
  type PacingOptions,
  type PacingStats,
  TokenBucket,
} from "./whep/pacer.js";
export {
  PeerConnectionWhepFactory,
  type PeerConnectionWhepFactoryOptions,
  type ViewerEndReason,
  type ViewerEvent,
  type ViewerState,
} from "./whep/peer-connection-factory.js";
export { PLAYER_PAGE } from "./whep/player.js";
export { WhepServer, type WhepServerOptions } from "./whep/server.js";
export {
  type IceFragment,
  parseIceFragment,
  type WhepSession,
  type WhepSessionFactory,
} from "./whep/session.js";
export { UnitPackets } from "./whep/unit-packets.js";
export { WhepViewer, type WhepViewerOptions } from "./whep/viewer.js";
