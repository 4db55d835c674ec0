import type { PeerConnection } from "@purertc/peerconnection";
import { startTimer } from "@purertc/socket";

/** Resolves when `pc`'s gathering completes, after `ms`, or when `signal` aborts; never rejects. */
export function gathered(pc: PeerConnection, ms: number, signal?: AbortSignal): Promise<void> {
  if (pc.iceGatheringState === "complete" || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      cancel();
      pc.removeEventListener("icegatheringstatechange", onChange);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const onChange = () => {
      if (pc.iceGatheringState === "complete") done();
    };
    const cancel = startTimer(done, ms);
    pc.addEventListener("icegatheringstatechange", onChange);
    signal?.addEventListener("abort", done, { once: true });
  });
}
