import type { IceServer, PeerConnectionConfiguration } from "./configuration.js";
import { PeerConnectionError } from "./errors.js";

/**
 * What the PeerConnection constructor refuses, as the browser's does.
 * @throws PeerConnectionError ERR_INVALID_ACCESS for a TURN server without
 *   credentials, iceLite with iceTransportPolicy "relay", or a
 *   tcpCandidates value other than "passive", "active" or "both".
 */
export function checkConfiguration(config: PeerConnectionConfiguration<unknown>): void {
  checkIceServers(config.iceServers ?? []);
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
