import { RTCPeerConnection as WeriftPeerConnection } from "werift";

/**
 * A werift 0.25.2 RTCPeerConnection kept on 127.0.0.1, as every bench that
 * measures it needs: no STUN or IPv6, 127.0.0.1 as a host address, and only
 * loopback pairs checked. Call {@link keepWeriftOnLoopback} after each
 * createOffer/createAnswer as well.
 */
export function weriftLoopbackPeer(): WeriftPeerConnection {
  return new WeriftPeerConnection({
    iceServers: [],
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ["127.0.0.1"],
    iceFilterCandidatePair: (pair) =>
      pair.remoteCandidate.host === "127.0.0.1" && pair.protocol.localCandidate?.host === "127.0.0.1",
  });
}

/** werift asks a public STUN server unless its ICE connections' stunServer is cleared (TOOLCHAIN.md). */
export function keepWeriftOnLoopback(pc: WeriftPeerConnection): void {
  const transports = (pc as unknown as { iceTransports: { connection: { stunServer: unknown } }[] })
    .iceTransports;
  for (const t of transports) t.connection.stunServer = undefined;
}
