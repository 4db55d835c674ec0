import { PeerConnectionError } from "./errors.js";

/**
 * The W3C "operations chain" (webrtc-pc §4.4.1.2): createOffer, createAnswer,
 * setLocalDescription, setRemoteDescription and addIceCandidate run one at a
 * time, in call order, whatever each one awaits. Once `signal` aborts (the
 * connection closed) a queued operation fails with ERR_INVALID_STATE, and one
 * that was running fails with ERR_CLOSED instead of looking successful.
 */
export class OperationsChain {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly signal: AbortSignal) {}

  /** Runs `operation` after every operation queued before it. */
  run<T>(operation: () => Promise<T>): Promise<T> {
    const start = async () => {
      if (this.signal.aborted)
        throw new PeerConnectionError("ERR_INVALID_STATE", "the PeerConnection is closed");
      return operation();
    };
    const result = this.tail.then(start, start);
    this.tail = result.catch(() => undefined);
    return result.then((value) => {
      if (this.signal.aborted) throw new PeerConnectionError("ERR_CLOSED", "the PeerConnection was closed");
      return value;
    });
  }
}
