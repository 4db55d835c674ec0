/**
 * @purertc/mdns: mDNS (RFC 6762) responder and resolver for the `.local`
 * host names of ICE candidates (draft-ietf-mmusic-mdns-ice-candidates), on
 * the `multicast-dns` package, with the one multicast socket per process and
 * family owned by the SocketRegistry.
 * @packageDocumentation
 */
export { MdnsError, type MdnsErrorCode } from "./errors.js";
export {
  addressKey,
  checkMdnsName,
  generateMdnsName,
  isGeneratedMdnsName,
  isMdnsName,
  normalizeMdnsName,
} from "./names.js";
export {
  type ConflictPolicy,
  MdnsPublication,
  type PublicationState,
  type PublishOptions,
} from "./publication.js";
export {
  DEFAULT_RESOLVE_TIMEOUT_MS,
  MdnsResolver,
  type MdnsResolverOptions,
  type MdnsResolverStats,
  type ResolveOptions,
} from "./resolver.js";
export {
  DEFAULT_TTL,
  type MdnsConflictEvent,
  MdnsResponder,
  type MdnsResponderEvents,
  type MdnsResponderOptions,
  type MdnsResponderStats,
} from "./responder.js";
export type { MdnsSocketStats } from "./shared-socket.js";
export { MDNS_GROUP_V4, MDNS_GROUP_V6, MDNS_PORT, type MdnsSocketOptions } from "./socket-options.js";
