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

/**
 * Connects two {@link weriftLoopbackPeer}s as offerer `a` and answerer `b`:
 * trickles their 127.0.0.1 candidates to each other and exchanges the offer
 * and answer (keeping both on loopback). Resolves once the answer is set;
 * create channels and wait on states around it.
 */
export async function negotiateWeriftLoopback(
  a: WeriftPeerConnection,
  b: WeriftPeerConnection,
): Promise<void> {
  const loopback = (c: { candidate?: string } | undefined) =>
    !c?.candidate || c.candidate.includes(" 127.0.0.1 ");
  a.onicecandidate = (e) => {
    if (loopback(e.candidate ?? undefined)) void b.addIceCandidate(e.candidate ?? undefined).catch(() => {});
  };
  b.onicecandidate = (e) => {
    if (loopback(e.candidate ?? undefined)) void a.addIceCandidate(e.candidate ?? undefined).catch(() => {});
  };
  const offer = await a.createOffer();
  keepWeriftOnLoopback(a);
  await a.setLocalDescription(offer);
  await b.setRemoteDescription(a.localDescription!);
  const answer = await b.createAnswer();
  keepWeriftOnLoopback(b);
  await b.setLocalDescription(answer);
  await a.setRemoteDescription(b.localDescription!);
}
