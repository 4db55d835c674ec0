/**
 * @purertc/srtp: SRTP and SRTCP (RFC 3711) with AES_CM_128_HMAC_SHA1_80/_32 and AEAD_AES_128_GCM /
 * AEAD_AES_256_GCM (RFC 7714), keyed from the DTLS-SRTP exporter (RFC 5764); rollover counter tracking
 * (RFC 3711 Appendix A), replay windows and SRTCP indices. It knows no transport: bytes in, bytes out.
 * @packageDocumentation
 */
export { AesCmKeystream } from "./aes-cm.js";
export { SrtpContext, type SrtpContextOptions, type SrtpContextStats } from "./context.js";
export { createDtlsSrtpContexts, type DtlsSrtpContexts } from "./dtls-srtp.js";
export { SrtpError, type SrtpErrorCode } from "./errors.js";
export { estimateRoc } from "./index-estimation.js";
export {
  AUTH_KEY_LENGTH,
  aesCmPrf,
  deriveSessionKeys,
  KdfLabel,
  type SessionKeys,
} from "./key-derivation.js";
export {
  type DtlsSrtpKeys,
  dtlsSrtpKeyingMaterialLength,
  type SrtpMasterKeys,
  splitDtlsSrtpKeyingMaterial,
} from "./keying-material.js";
export {
  SRTP_PROFILES,
  type SrtpProfileName,
  type SrtpProfileParameters,
  srtpProfile,
  srtpProfileById,
} from "./profiles.js";
export { DEFAULT_REPLAY_WINDOW, MIN_REPLAY_WINDOW, ReplayWindow } from "./replay.js";
