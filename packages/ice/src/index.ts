/**
 * @purertc/ice: a full ICE agent (RFC 8445), over UDP and TCP (RFC 6544), with trickle (RFC 8838), consent
 * freshness (RFC 7675), mDNS candidates and ICE restart. A connected agent is
 * the DatagramTransport that DTLS runs over.
 * @packageDocumentation
 */
export { IceAgent } from "./agent.js";
export { CONSENT_LIMITS, consentTiming } from "./agent-options.js";
export {
  addressFamily,
  type Candidate,
  type CandidateType,
  candidateAddress,
  candidateFoundation,
  candidatePriority,
  isMdnsName,
  parseCandidate,
  serializeCandidate,
  TYPE_PREFERENCE,
} from "./candidate.js";
export { Checklist, canPair } from "./checklist.js";
export { type ConsentOptions, type ConsentState, RECENT_CONSENT_CHECKS } from "./consent.js";
export {
  generateCredentials,
  type IceCredentials,
  randomIceString,
  validateCredentials,
} from "./credentials.js";
export { IceError, type IceErrorCode } from "./errors.js";
export { type CandidateBase, SocketBase } from "./gather/base.js";
export { type HostGatherOptions, hostAddresses } from "./gather/host.js";
export type { CandidateErrorEvent, CandidateGatherer, GatherContext } from "./gather/index.js";
export { createMdnsProvider, type MdnsProvider, type MdnsProviderOptions } from "./gather/mdns.js";
export { parseStunServer, SrflxGatherer } from "./gather/srflx.js";
export { MuxBase, UdpMux, type UdpMuxOptions, type UdpMuxStats } from "./mux/udp-mux.js";
export type {
  IceAgentEvents,
  IceAgentOptions,
  IceAgentStats,
  IceRole,
  IceTransportState,
  SelectedPair,
} from "./options.js";
export { CandidatePair, type LocalCandidate, type PairState, pairPriority } from "./pair.js";
export type { RetransmitOptions } from "./retransmit.js";
export type { GatheringState } from "./session-state.js";
export { ACTIVE_PORT, TcpActiveBase } from "./tcp/active-base.js";
export { encodeFrame, FrameDecoder, MAX_FRAME } from "./tcp/framing.js";
export { type IceTcpOptions, tcpLocalPreference } from "./tcp/gather.js";
export { type PassiveStats, TcpPassiveBase } from "./tcp/passive-base.js";
