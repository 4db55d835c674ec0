import type { SctpAssociationLike, SctpAssociationOptions } from "@purertc/sctp";
import type { DtlsTransportState } from "../states.js";
import type { DataChannel } from "./data-channel.js";

/** Our SCTP port (a=sctp-port, RFC 8841 §5). */
export const LOCAL_SCTP_PORT = 5000;

/**
 * Does a DTLS application datagram start with an SCTP common header (RFC
 * 9260 §3.1) from the peer's port to ours? (Anything else is a purertc datagram.)
 */
export function isSctpPacket(data: Uint8Array, remotePort: number): boolean {
  return (
    data.length >= 12 &&
    data[0] === remotePort >> 8 &&
    data[1] === (remotePort & 0xff) &&
    data[2] === LOCAL_SCTP_PORT >> 8 &&
    data[3] === (LOCAL_SCTP_PORT & 0xff)
  );
}

/** Our a=max-message-size: the largest message we receive (Chromium's figure). */
export const LOCAL_MAX_MESSAGE_SIZE = 262144;
/** SCTP packets that arrive before the association is made (DTLS connected on the peer first) are kept, up to this many. */
export const EARLY_PACKETS = 16;

/** RTCSctpTransportState. */
export type SctpTransportState = "connecting" | "connected" | "closed";

/** RTCDtlsTransport-like view of the DTLS transport under the association. */
export interface DtlsTransportInfo {
  readonly state: DtlsTransportState;
}

/** What the PeerConnection gives its SCTP transport. */
export interface SctpTransportOptions {
  /** Makes the association (the PeerConnection passes @purertc/sctp's). */
  createAssociation(options: SctpAssociationOptions): SctpAssociationLike;
  /** Sends one SCTP packet as DTLS application data. */
  sendPacket(packet: Uint8Array): void;
  /** A channel the peer opened: the PeerConnection fires `datachannel`. */
  onDataChannel(channel: DataChannel): void;
  /** The DTLS transport, as `pc.sctp.transport`. */
  dtls: DtlsTransportInfo;
}
