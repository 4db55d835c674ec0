/**
 * One side of a data-channel open whose other side lives in another
 * process (offerer.ts / answerer.ts): descriptions and trickled candidates
 * go as plain JSON over IPC. Candidates that arrive before the remote
 * description is set wait in a queue (the W3C API refuses them earlier).
 */
export interface Half {
  /** Trickled local candidates, JSON-serialisable. */
  onCandidate(fn: (candidate: unknown) => void): void;
  /** Offerer: createOffer + setLocalDescription, the offer as sent. */
  offer(): Promise<Description>;
  /** Answerer: setRemoteDescription(offer), createAnswer + setLocalDescription, the answer as sent. */
  answer(offer: Description): Promise<Description>;
  /**
   * Answerer: this process's CPU ms in its last answer() (setRemoteDescription → setLocalDescription),
   * the same work wherever it runs: the open A/B compares it between one process and two.
   */
  readonly answerCpuMs: number;
  /** Offerer: setRemoteDescription(answer). */
  accept(answer: Description): Promise<void>;
  addCandidate(candidate: unknown): void;
  /** Offerer: resolves at its channel's `open`. */
  readonly opened: Promise<void>;
  /** Offerer: its channel's sending side (the bulk transfer, after `opened`). */
  readonly sender: BulkSender | undefined;
  /** Answerer: bytes received so far on the channel the offerer opened. */
  received(): number;
  close(): Promise<void>;
}

/** The sending side of a channel, as the bulk transfer drives it. */
export interface BulkSender {
  send(data: Uint8Array): void;
  bufferedAmount(): number;
  /** Sets bufferedAmountLowThreshold and calls `fn` at each `bufferedamountlow`. */
  onLow(threshold: number, fn: () => void): void;
}

/** A session description as it crosses the IPC channel. */
export interface Description {
  type: string;
  sdp: string;
}

/** The queue of remote candidates until the remote description is set. */
export class Pending {
  private ready = false;
  private queue: unknown[] = [];
  constructor(private readonly add: (c: unknown) => Promise<void>) {}
  push(c: unknown): void {
    if (this.ready) void this.add(c).catch(() => {});
    else this.queue.push(c);
  }
  flush(): void {
    this.ready = true;
    for (const c of this.queue) void this.add(c).catch(() => {});
    this.queue = [];
  }
}

/** Resolves once `pc` has gathered all its candidates (they are in its description then). */
export function gatheringComplete(pc: {
  readonly iceGatheringState?: string;
  addEventListener(type: "icegatheringstatechange", listener: () => void): void;
}): Promise<void> {
  const state = () => pc.iceGatheringState;
  if (state() === "complete") return Promise.resolve();
  return new Promise<void>((resolve) =>
    pc.addEventListener("icegatheringstatechange", () => {
      if (state() === "complete") resolve();
    }),
  );
}
