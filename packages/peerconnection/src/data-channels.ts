import { createAssociation } from "./datachannel/association.js";
import { type DataChannel, DataChannelEvent, type DataChannelInit } from "./datachannel/data-channel.js";
import { isSctpPacket, SctpTransport } from "./datachannel/sctp-transport.js";
import type { DtlsTransportState } from "./states.js";

/** What the PeerConnection gives its data channels. */
export interface DataChannelsHost {
  /** Sends one SCTP packet as DTLS application data. */
  sendPacket(packet: Uint8Array): void;
  /** Fires an event on the PeerConnection. */
  dispatch(event: Event): void;
  /** The DTLS transport's state, as `pc.sctp.transport.state`. */
  dtlsState(): DtlsTransportState;
  /** Bytes a DTLS record adds to its content (negotiated version and cipher), once connected. */
  recordOverhead(): number | undefined;
  /** Offer I-DATA (RFC 8260) in the association's INIT (configuration `sctpInterleaving`). */
  interleaving(): boolean;
}

/**
 * The UDP payload the association's datagrams fill: 1200 bytes, the size ICE
 * and browsers keep to (it fits the IPv6 minimum MTU with room for a TURN
 * ChannelData header), never fragmented at the IP layer (RFC 8261 §5).
 */
export const DATAGRAM_BUDGET = 1200;
/** The largest record overhead of a suite we negotiate (DTLS 1.2 AES-GCM: 13-byte header, 8-byte explicit nonce, 16-byte tag). */
const WORST_RECORD_OVERHEAD = 37;

/**
 * The SCTP packet size that fills {@link DATAGRAM_BUDGET} once sealed: 1178
 * bytes under DTLS 1.3 (22 bytes of overhead), 1163 under DTLS 1.2 AES-GCM.
 * The fixed 1160 of @purertc/sctp (sized for the worst case) left 18 bytes of
 * every DTLS 1.3 datagram unused: with I-DATA, 1,128 instead of 1,144 bytes of
 * user data a packet, 1.4 % more datagrams, each a seal, an open and a sendmsg.
 */
export function sctpPacketSize(recordOverhead: number | undefined): number {
  return DATAGRAM_BUDGET - (recordOverhead ?? WORST_RECORD_OVERHEAD);
}

/**
 * `pc.sctp.transport`: the DTLS state as the host has it. A class, not an
 * object literal with a getter: V8 builds such a literal through the
 * runtime, once per PeerConnection.
 */
class DtlsInfo {
  constructor(private readonly host: DataChannelsHost) {}

  get state(): DtlsTransportState {
    return this.host.dtlsState();
  }
}

/**
 * A PeerConnection's data channels: the SCTP transport, made on the first
 * createDataChannel or once a data-channel section is negotiated, started
 * when DTLS is up and ended with it.
 */
export class DataChannels {
  private transport: SctpTransport | undefined;
  private negotiated = false;

  constructor(private readonly host: DataChannelsHost) {}

  /** The SCTP transport, null until both descriptions are applied (as in browsers). */
  get sctp(): SctpTransport | null {
    return this.negotiated ? (this.transport ?? null) : null;
  }

  /** A channel that opens once the association is up (see PeerConnection.createDataChannel). */
  create(label: string, init?: DataChannelInit): DataChannel {
    return this.ensure().createChannel(label, init);
  }

  /** The peer accepted a data-channel section: the association's DTLS role, ports and message size. */
  configure(role: "client" | "server", sctpPort: number, maxMessageSize: number): void {
    this.ensure().configure(role, sctpPort, maxMessageSize);
    this.negotiated = true;
  }

  /** Follows the DTLS transport: SCTP starts over it, and ends with it. */
  dtlsStateChanged(state: DtlsTransportState): void {
    // SCTP runs over DTLS application data once DTLS is up; both ends INIT (RFC 8841).
    if (state === "connected" && this.negotiated)
      this.transport?.start(sctpPacketSize(this.host.recordOverhead()), this.host.interleaving());
    // DTLS gone (close_notify, alert): the association and its channels end with it.
    if (state === "closed" || state === "failed") void this.transport?.close();
  }

  /**
   * Takes DTLS application data that is an SCTP packet (common header with
   * the negotiated ports, RFC 9260 §3.1); false for anything else.
   */
  handlePacket(data: Uint8Array, sctpPort: number | undefined): boolean {
    const sctp = this.transport;
    if (!sctp || sctpPort === undefined || !isSctpPacket(data, sctpPort)) return false;
    sctp.handlePacket(data);
    return true;
  }

  /** Closes the channels and aborts the association; undefined when there was none. */
  close(): Promise<void> | undefined {
    return this.transport?.close();
  }

  private ensure(): SctpTransport {
    if (!this.transport) {
      const host = this.host;
      this.transport = new SctpTransport({
        createAssociation,
        sendPacket: host.sendPacket,
        onDataChannel: this.onDataChannel,
        dtls: new DtlsInfo(host),
      });
    }
    return this.transport;
  }

  private readonly onDataChannel = (channel: DataChannel): void => {
    this.host.dispatch(new DataChannelEvent(channel));
  };
}
