import { SrtpContext, type SrtpContextOptions } from "./context.js";
import { splitDtlsSrtpKeyingMaterial } from "./keying-material.js";
import type { SrtpProfileName } from "./profiles.js";

/** The two contexts of one DTLS-SRTP association. */
export interface DtlsSrtpContexts {
  /** Protects what we send (our write key). */
  outbound: SrtpContext;
  /** Unprotects what the peer sends (its write key). */
  inbound: SrtpContext;
}

/**
 * Makes the outbound and inbound contexts from the DTLS exporter output (RFC 5764 §4.2): the DTLS client
 * protects with the client write key and salt, the server with the server's. `material` is the
 * "EXTRACTOR-dtls_srtp" export of `dtlsSrtpKeyingMaterialLength(profile)` bytes; it is not kept (zero it
 * yourself if you like).
 */
export function createDtlsSrtpContexts(
  profile: SrtpProfileName,
  material: Uint8Array,
  role: "client" | "server",
  options: Omit<SrtpContextOptions, "profile" | "masterKey" | "masterSalt"> = {},
): DtlsSrtpContexts {
  const keys = splitDtlsSrtpKeyingMaterial(profile, material);
  const [own, peer] = role === "client" ? [keys.client, keys.server] : [keys.server, keys.client];
  try {
    return {
      outbound: new SrtpContext({ ...options, profile, ...own }),
      inbound: new SrtpContext({ ...options, profile, ...peer }),
    };
  } finally {
    for (const k of [keys.client, keys.server]) {
      k.masterKey.fill(0);
      k.masterSalt.fill(0);
    }
  }
}
