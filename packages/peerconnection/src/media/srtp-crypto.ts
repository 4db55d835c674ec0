import { createDtlsSrtpContexts, SrtpError, type SrtpProfileName } from "@purertc/srtp";
import type { MediaCrypto } from "./media-transport.js";

/** SRTP contexts keyed from the DTLS exporter (RFC 5764 §4.2), as the media transport uses them. */
export interface SrtpCrypto extends MediaCrypto {
  readonly profile: SrtpProfileName;
  /** Packets SRTP refused (authentication failure, replay, malformed). */
  readonly refused: number;
  close(): void;
}

/**
 * Keys SRTP for the profile DTLS negotiated: `material` is the
 * "EXTRACTOR-dtls_srtp" export, `role` our DTLS role (the client sends
 * with the client write key). A packet SRTP refuses is counted and dropped.
 */
export function createSrtpCrypto(
  profile: SrtpProfileName,
  material: Uint8Array,
  role: "client" | "server",
): SrtpCrypto {
  const { outbound, inbound } = createDtlsSrtpContexts(profile, material, role);
  let refused = 0;
  const refuse = (error: unknown): undefined => {
    if (!(error instanceof SrtpError)) throw error;
    refused++;
    return undefined;
  };
  return {
    profile,
    get refused() {
      return refused;
    },
    protectRtp: (p) => outbound.protectRtp(p),
    protectRtcp: (p) => outbound.protectRtcp(p),
    unprotectRtp(p) {
      try {
        return inbound.unprotectRtp(p);
      } catch (error) {
        return refuse(error);
      }
    },
    unprotectRtcp(p) {
      try {
        return inbound.unprotectRtcp(p);
      } catch (error) {
        return refuse(error);
      }
    },
    close() {
      outbound.close();
      inbound.close();
    },
  };
}
