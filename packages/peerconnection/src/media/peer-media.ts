import { createDebug } from "@purertc/socket";
import type { PeerTransport } from "../peer-transport.js";
import type { SdpSession } from "../sdp/types.js";
import type { StatsReport } from "../stats.js";
import { MediaSession } from "./media-session.js";
import { addMediaStats } from "./media-stats.js";
import { MediaTransport } from "./media-transport.js";
import { createSrtpCrypto, type SrtpCrypto } from "./srtp-crypto.js";
import type { RtpTransceiver } from "./transceiver.js";

const log = createDebug("purertc:pc");

/**
 * A PeerConnection's media: the transceivers and what they negotiated
 * (MediaSession), and once DTLS is up the SRTP keys and the RTP router
 * (MediaTransport) over the bundled transport.
 */
export class PeerMedia {
  readonly session: MediaSession;
  private transport: MediaTransport | undefined;
  private srtp: SrtpCrypto | undefined;
  /** DTLS is up but nothing negotiated carries media yet: SRTP is keyed once something does. */
  private keyable: PeerTransport | undefined;

  constructor(dispatch: (event: Event) => void) {
    this.session = new MediaSession(dispatch, this.stopTransceiver);
  }

  /** An SRTP or SRTCP datagram from the ICE path (RFC 7983): dropped until media runs. */
  readonly receive = (datagram: Uint8Array, kind: "rtp" | "rtcp"): void => {
    this.transport?.receive(datagram, kind);
  };

  private readonly stopTransceiver = (transceiver: RtpTransceiver): void => {
    this.transport?.stopTransceiver(transceiver);
  };

  /** Once an offer/answer exchange completes: what each transceiver negotiated. */
  complete(local: SdpSession, remote: SdpSession, localIsOffer: boolean): void {
    const negotiated = this.session.completeNegotiation(local, remote, localIsOffer);
    this.transport?.update(negotiated);
    if (this.keyable && negotiated.length > 0) this.start(this.keyable);
  }

  /**
   * DTLS is up: SRTP keyed from its exporter (RFC 5764 §4.2) for the
   * negotiated profile, media flows. A connection that negotiated no media
   * (data channels only) keys SRTP only when a later negotiation adds some:
   * the exporter and key derivation cost about 3 % of a data channel's
   * setup CPU (measured with --cpu-prof), and SRTP arriving before then
   * would have had no transceiver to go to.
   */
  start(transport: PeerTransport): void {
    if (this.transport) return;
    if (this.session.negotiated.length === 0) {
      this.keyable = transport;
      return;
    }
    this.keyable = undefined;
    const keys = transport.srtpKeys();
    if (!keys) {
      log("no SRTP profile negotiated: no media");
      return;
    }
    this.srtp = createSrtpCrypto(keys.profile, keys.material, keys.role);
    keys.material.fill(0);
    this.transport = new MediaTransport(this.srtp, (d) => transport.sendMedia(d), this.session.cname);
    this.transport.update(this.session.negotiated);
  }

  /** Adds the media reports (outbound-rtp, inbound-rtp, codec) to a stats report. */
  addStats(report: StatsReport): void {
    addMediaStats(report, this.transport);
  }

  /** Ends the transceivers, the RTP router and the SRTP contexts. */
  close(): void {
    this.keyable = undefined;
    this.session.close();
    this.transport?.close();
    this.transport = undefined;
    this.srtp?.close();
    this.srtp = undefined;
  }
}
