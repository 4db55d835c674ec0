/**
 * @purertc/peerconnection: an API shaped like the W3C RTCPeerConnection over
 * purertc's ICE and DTLS, and the SDP (RFC 8866) parser and serializer it
 * exchanges descriptions with.
 * @packageDocumentation
 */
export { PeerConnectionError, type PeerConnectionErrorCode, SdpError, type SdpErrorCode } from "./errors.js";
export * from "./sdp/index.js";
