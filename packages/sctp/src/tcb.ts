/**
 * The Transmission Control Block (RFC 9260 §14): what an association knows
 * once it has a peer. Made from an INIT-ACK (we initiated) or from a
 * verified State Cookie (the peer did).
 */

import { CongestionControl, type RtoEstimator } from "./congestion.js";
import type { CookieContents } from "./cookie.js";
import { DataReceiver } from "./reassembly.js";
import type { ReceiverSink } from "./receiver-sink.js";
import { RetransmitQueue } from "./retransmit-queue.js";
import { StreamReset } from "./stream-reset.js";

/** Association.Max.Retrans (RFC 9260 §16): consecutive errors (T3-rtx expiries, unanswered HEARTBEATs) before the association fails. */
export const MAX_RETRANSMITS = 10;

export interface TcbParams {
  mtu: number;
  receiveWindow: number;
  maxMessageSize: number;
  /** We offer I-DATA (RFC 8260). */
  interleaving: boolean;
}

export class Tcb {
  readonly receiver: DataReceiver;
  readonly rtx: RetransmitQueue;
  readonly cc: CongestionControl;
  readonly reset: StreamReset;
  /** Next TSN to assign. */
  nextTsn: number;
  /** The peer's receive window as we reckon it (a_rwnd less what is in flight since). */
  peerRwnd: number;
  /** Consecutive retransmission timeouts and unanswered HEARTBEATs without an ack (RFC 9260 §8.1 error counter). */
  errorCount = 0;
  /** Chunks marked for fast retransmit wait to go out ahead of the cwnd limit once (§7.2.4). */
  fastRetransmitPending = false;
  /** A FORWARD-TSN must go out (RFC 3758 §3.5). */
  forwardTsnPending = false;
  /** I-DATA and I-FORWARD-TSN instead of DATA and FORWARD-TSN: both ends offered them (RFC 8260 §2.2). */
  readonly interleaving: boolean;

  constructor(
    readonly localTag: number,
    readonly peerTag: number,
    readonly c: CookieContents,
    p: TcbParams,
    sink: ReceiverSink,
    readonly rto: RtoEstimator,
  ) {
    this.receiver = new DataReceiver(c.peerInitialTsn, p.receiveWindow, p.maxMessageSize, sink);
    this.rtx = new RetransmitQueue(c.localInitialTsn);
    this.cc = new CongestionControl(p.mtu, c.peerArwnd);
    this.reset = new StreamReset(c.localInitialTsn, c.peerInitialTsn);
    this.nextTsn = c.localInitialTsn;
    this.peerRwnd = c.peerArwnd;
    this.interleaving = p.interleaving && c.peerInterleaving;
  }

  get outboundStreams(): number {
    return this.c.outboundStreams;
  }

  get inboundStreams(): number {
    return this.c.inboundStreams;
  }

  /** Zero checksum towards the peer (RFC 9653): it advertised the DTLS method. */
  get zeroChecksum(): boolean {
    return this.c.peerZeroChecksum;
  }

  clear(): void {
    this.rtx.clear();
  }
}
