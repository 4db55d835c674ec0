/**
 * Stream reconfiguration (RFC 6525) as WebRTC uses it to close data
 * channels: our Outgoing SSN Reset Requests (one in flight at a time,
 * retransmitted until answered), and the answers to the peer's requests
 * (outgoing SSN reset, performed once every TSN before it arrived; add
 * streams; the rest denied).
 */
import { ParamType, ReconfigResult } from "./packet/constants.js";
import type {
  AddStreamsRequest,
  OutgoingSsnResetRequest,
  ReconfigParameter,
  ReconfigResponse,
} from "./packet/reconfig.js";
import { tsnAdd, tsnLt, tsnLte } from "./tsn.js";

/** What to do with a request of the peer. */
export interface RequestOutcome {
  response?: ReconfigResponse;
  /** Incoming streams to reset now (the peer's Outgoing SSN Reset Request is performed). */
  reset?: number[];
  /** Inbound streams to add. */
  addInbound?: number;
}

export class StreamReset {
  /** Streams the user asked to reset, not yet in a request. */
  private readonly wanted = new Set<number>();
  /** Our request in flight. */
  inFlight: OutgoingSsnResetRequest | undefined;
  private nextRequestSeq: number;
  /** The peer's next request sequence number (RFC 6525 §5.2.1). */
  private peerNextSeq: number;
  private lastResult = ReconfigResult.SuccessPerformed as number;
  /** A peer's Outgoing SSN Reset waiting for its last TSN to arrive. */
  private deferred: OutgoingSsnResetRequest | undefined;

  constructor(localInitialTsn: number, peerInitialTsn: number) {
    // The first request sequence number is the initial TSN (RFC 6525 §5.1.1).
    this.nextRequestSeq = localInitialTsn;
    this.peerNextSeq = peerInitialTsn;
  }

  request(streamIds: readonly number[]): void {
    for (const id of streamIds) this.wanted.add(id);
  }

  get hasWanted(): boolean {
    return this.wanted.size > 0;
  }

  /**
   * Makes our next request once none is in flight and `drained` says these
   * streams have nothing left to cut into chunks (their last TSN is known).
   */
  makeRequest(drained: (ids: number[]) => boolean, lastTsn: number): OutgoingSsnResetRequest | undefined {
    if (this.inFlight || this.wanted.size === 0) return undefined;
    const ids = [...this.wanted];
    if (!drained(ids)) return undefined;
    this.wanted.clear();
    this.inFlight = {
      type: ParamType.OutgoingSsnReset,
      requestSeq: this.nextRequestSeq,
      responseSeq: tsnAdd(this.peerNextSeq, -1),
      senderLastTsn: lastTsn,
      streamIds: ids,
    };
    this.nextRequestSeq = tsnAdd(this.nextRequestSeq, 1);
    return this.inFlight;
  }

  /**
   * The peer's answer to our request: "done" (the streams are reset), "retry"
   * (in progress: send the same request again later) or "ignored".
   */
  onResponse(r: ReconfigResponse): "done" | "retry" | "ignored" {
    const req = this.inFlight;
    if (!req || r.responseSeq !== req.requestSeq) return "ignored";
    if (r.result === ReconfigResult.InProgress) return "retry";
    this.inFlight = undefined;
    return "done";
  }

  /** A request from the peer (RFC 6525 §5.2). `cumTsn` is our cumulative TSN of the peer's data. */
  onRequest(p: ReconfigParameter, cumTsn: number): RequestOutcome {
    if (p.type === ParamType.ReconfigResponse) return {};
    const seq = p.requestSeq;
    if (seq === tsnAdd(this.peerNextSeq, -1)) {
      // A retransmission of the last request: the same answer (§5.2.1), unless still deferred.
      if (this.deferred?.requestSeq === seq) return this.tryDeferred(cumTsn);
      return { response: this.respond(seq, this.lastResult) };
    }
    if (seq !== this.peerNextSeq)
      return { response: this.respond(seq, ReconfigResult.ErrorBadSequenceNumber, false) };
    this.peerNextSeq = tsnAdd(seq, 1);
    switch (p.type) {
      case ParamType.OutgoingSsnReset:
        if (tsnLte(p.senderLastTsn, cumTsn))
          return { response: this.respond(seq, ReconfigResult.SuccessPerformed), reset: p.streamIds };
        this.deferred = p;
        return { response: this.respond(seq, ReconfigResult.InProgress) };
      case ParamType.AddOutgoingStreams:
        return this.addStreams(p);
      default:
        return { response: this.respond(seq, ReconfigResult.Denied) };
    }
  }

  /** Performs a deferred reset once every TSN before it arrived. */
  tryDeferred(cumTsn: number): RequestOutcome {
    const d = this.deferred;
    if (!d) return {};
    if (tsnLt(cumTsn, d.senderLastTsn))
      return { response: this.respond(d.requestSeq, ReconfigResult.InProgress) };
    this.deferred = undefined;
    return { response: this.respond(d.requestSeq, ReconfigResult.SuccessPerformed), reset: d.streamIds };
  }

  /** True while a peer's reset waits for data. */
  get hasDeferred(): boolean {
    return this.deferred !== undefined;
  }

  private addStreams(p: AddStreamsRequest): RequestOutcome {
    return {
      response: this.respond(p.requestSeq, ReconfigResult.SuccessPerformed),
      addInbound: p.newStreams,
    };
  }

  private respond(seq: number, result: number, remember = true): ReconfigResponse {
    if (remember) this.lastResult = result;
    return { type: ParamType.ReconfigResponse, responseSeq: seq, result };
  }
}
