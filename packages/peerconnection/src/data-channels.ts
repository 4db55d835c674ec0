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
    if (state === "connected" && this.negotiated) this.transport?.start();
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
        dtls: {
          get state() {
            return host.dtlsState();
          },
        },
      });
    }
    return this.transport;
  }

  private readonly onDataChannel = (channel: DataChannel): void => {
    this.host.dispatch(new DataChannelEvent(channel));
  };
}
