import { PeerConnectionError } from "./errors.js";

/**
 * The W3C "operations chain" (webrtc-pc §4.4.1.2): createOffer, createAnswer,
 * setLocalDescription, setRemoteDescription and addIceCandidate run one at a
 * time, in call order, whatever each one awaits. Once `owner` is closed (the
 * connection closed) a queued operation fails with ERR_INVALID_STATE, and one
 * that was running fails with ERR_CLOSED instead of looking successful.
 */
export class OperationsChain {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly owner: { readonly closed: boolean }) {}

  /** Runs `operation` after every operation queued before it. */
  run<T>(operation: () => Promise<T>): Promise<T> {
    const start = async () => {
      if (this.owner.closed)
        throw new PeerConnectionError("ERR_INVALID_STATE", "the PeerConnection is closed");
      return operation();
    };
    const result = this.tail.then(start, start);
    this.tail = result.catch(() => undefined);
    return result.then((value) => {
      if (this.owner.closed) throw new PeerConnectionError("ERR_CLOSED", "the PeerConnection was closed");
      return value;
    });
  }
}
