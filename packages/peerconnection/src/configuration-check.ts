import { consentTiming, IceError } from "@purertc/ice";
import type { ConsentFreshness, IceServer, PeerConnectionConfiguration } from "./configuration.js";
import { PeerConnectionError } from "./errors.js";

/**
 * What the PeerConnection constructor refuses, as the browser's does.
 * @throws PeerConnectionError ERR_INVALID_ACCESS for a TURN server without
 *   credentials, iceLite with iceTransportPolicy "relay", a tcpCandidates
 *   value other than "passive", "active" or "both", or consent timing out of
 *   range.
 */
export function checkConfiguration(config: PeerConnectionConfiguration<unknown>): void {
  checkIceServers(config.iceServers ?? []);
  if (config.consentFreshness) consentOptions(config.consentFreshness);
  if (config.iceLite && config.iceTransportPolicy === "relay") {
    throw new PeerConnectionError(
      "ERR_INVALID_ACCESS",
      "iceLite has host candidates only: not with iceTransportPolicy relay",
    );
  }
  const tcp: unknown = config.tcpCandidates;
  if (tcp !== undefined && tcp !== "passive" && tcp !== "active" && tcp !== "both") {
    throw new PeerConnectionError(
      "ERR_INVALID_ACCESS",
      `tcpCandidates must be "passive", "active" or "both", not ${JSON.stringify(tcp)}`,
    );
  }
}

/** As the browser's constructor: a TURN server needs a username and a credential (W3C webrtc §4.4.1.1). */
function checkIceServers(servers: readonly IceServer[]): void {
  for (const server of servers) {
    const urls = Array.isArray(server.urls) ? server.urls : [server.urls];
    if (
      urls.some((url) => /^turns?:/i.test(url)) &&
      (server.username === undefined || server.credential === undefined)
    ) {
      throw new PeerConnectionError(
        "ERR_INVALID_ACCESS",
        `iceServers entry ${urls.join(", ")}: a turn: server needs username and credential`,
      );
    }
  }
}

/**
 * The ICE agent's consent options for `consent` (RFC 7675 timing).
 * @throws PeerConnectionError ERR_INVALID_ACCESS when a value is out of range.
 */
export function consentOptions(consent: ConsentFreshness): {
  consentIntervalMs?: number;
  consentTimeoutMs?: number;
  disconnectedTimeoutMs?: number;
} {
  const options = {
    ...(consent.intervalMs === undefined ? {} : { consentIntervalMs: consent.intervalMs }),
    ...(consent.timeoutMs === undefined ? {} : { consentTimeoutMs: consent.timeoutMs }),
    ...(consent.disconnectedMs === undefined ? {} : { disconnectedTimeoutMs: consent.disconnectedMs }),
  };
  try {
    consentTiming(options);
  } catch (error) {
    if (!(error instanceof IceError)) throw error;
    throw new PeerConnectionError("ERR_INVALID_ACCESS", `consentFreshness: ${error.message}`, {
      cause: error,
    });
  }
  return options;
}
