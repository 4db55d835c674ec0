export {
  FINGERPRINT_LENGTHS,
  fingerprintBytes,
  formatCandidate,
  formatFingerprintValue,
  parseCandidate,
  parseFingerprint,
} from "./attributes.js";
export { parseSdp, SDP_LIMITS } from "./parse.js";
export { dtlsRoleFromSetup, negotiateSetup } from "./roles.js";
export { serializeSdp } from "./serialize.js";
export type {
  SdpCandidate,
  SdpConnection,
  SdpFingerprint,
  SdpGroup,
  SdpLine,
  SdpMediaSection,
  SdpOrigin,
  SdpSession,
  SdpSetup,
  SdpTransportAttributes,
} from "./types.js";
