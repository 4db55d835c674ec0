import type { ManagedSocket, SocketRegistry } from "@purertc/socket";
import { RtspError } from "./errors.js";

/** An RTP socket on an even port and its RTCP socket on the next one (RFC 3550 §11). */
export interface UdpPortPair {
  readonly rtp: ManagedSocket;
  readonly rtcp: ManagedSocket;
}

const ATTEMPTS = 20;

/**
 * Opens an RTP/RTCP socket pair through the registry on `address`: an even
 * port and the odd one above it. Tries at most 20 pairs (the OS picks the
 * even port; the odd one may be taken), closing what it opened on the way.
 * @throws RtspError `ERR_CONNECTION` when no pair could be bound
 */
export async function openUdpPortPair(
  registry: SocketRegistry,
  owner: object,
  address: string,
  label: string,
  signal: AbortSignal,
): Promise<UdpPortPair> {
  const type = address.includes(":") ? "udp6" : "udp4";
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const rtp = await registry.open(owner, { label: `${label}-rtp`, type, address, signal });
    const port = rtp.address().port;
    if (port % 2 !== 0 || port >= 65535) {
      await rtp.close();
      continue;
    }
    try {
      const rtcp = await registry.open(owner, {
        label: `${label}-rtcp`,
        type,
        address,
        port: port + 1,
        signal,
      });
      return { rtp, rtcp };
    } catch (error) {
      await rtp.close();
      if (signal.aborted) throw error;
    }
  }
  throw new RtspError(
    "ERR_CONNECTION",
    `no free even/odd UDP port pair on ${address} after ${ATTEMPTS} tries`,
  );
}
